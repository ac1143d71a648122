namespace CallBot.Rtc.Interceptors;

/// <summary>
/// PLI on decoder need (RFC 4585 §6.3.1) for one video receive stream: wanted from the start until the first keyframe
/// (repeated every <c>repeatInterval</c> while media arrives without one), and again after a loss the jitter buffer
/// could not repair (the frame assembler's KeyFrameNeeded), or when the application asks. Timer thread, receive lock held.
/// </summary>
public sealed class KeyFrameRequester(TimeProvider time, TimeSpan repeatInterval, bool wantedAtStart)
{
    /// <summary>
    /// The least time between two PLIs of any kind: a forced request (the application's, or a peer's PLI relayed in echo
    /// mode) inside it is kept and sent when it ends, so a request storm costs the sender one key frame per interval.
    /// </summary>
    public static readonly TimeSpan MinRequestInterval = TimeSpan.FromMilliseconds(100);

    private long _last = long.MinValue;
    private bool _forcedPending;

    /// <summary>True while the decoder side has no usable reference.</summary>
    public bool Wanted { get; private set; } = wantedAtStart;

    public long PlisSent { get; private set; }

    /// <summary>Forced requests merged into one already pending or just sent.</summary>
    public long RequestsMerged { get; private set; }

    /// <summary>The assembler dropped a frame it could not complete: every following delta frame is undecodable.</summary>
    public void OnKeyFrameNeeded() => Wanted = true;

    public void OnKeyFrame() => Wanted = false;

    /// <summary>
    /// Whether to send a PLI now: forced (the application asked; kept until <see cref="MinRequestInterval"/> after the
    /// last PLI), or wanted, media is arriving and the last request is older than the repeat interval.
    /// </summary>
    public bool ShouldRequest(bool mediaArriving, bool forced)
    {
        var now = time.GetTimestamp();
        if (forced)
        {
            RequestsMerged += _forcedPending ? 1 : 0;
            _forcedPending = true;
        }

        var sinceLast = _last == long.MinValue ? TimeSpan.MaxValue : time.GetElapsedTime(_last, now);
        if (sinceLast < MinRequestInterval)
        {
            return false;
        }

        if (!_forcedPending && (!Wanted || !mediaArriving || sinceLast < repeatInterval))
        {
            return false;
        }

        _forcedPending = false;
        _last = now;
        PlisSent++;
        return true;
    }
}
