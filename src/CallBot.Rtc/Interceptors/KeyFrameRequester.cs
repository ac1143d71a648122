namespace CallBot.Rtc.Interceptors;

/// <summary>
/// PLI on decoder need (RFC 4585 §6.3.1) for one video receive stream: wanted from the start until the first keyframe
/// (repeated every <c>repeatInterval</c> while media arrives without one), and again after a loss the jitter buffer
/// could not repair (the frame assembler's KeyFrameNeeded), or when the application asks. Timer thread, receive lock held.
/// </summary>
public sealed class KeyFrameRequester(TimeProvider time, TimeSpan repeatInterval, bool wantedAtStart)
{
    private long _last = long.MinValue;

    /// <summary>True while the decoder side has no usable reference.</summary>
    public bool Wanted { get; private set; } = wantedAtStart;

    public long PlisSent { get; private set; }

    /// <summary>The assembler dropped a frame it could not complete: every following delta frame is undecodable.</summary>
    public void OnKeyFrameNeeded() => Wanted = true;

    public void OnKeyFrame() => Wanted = false;

    /// <summary>Whether to send a PLI now: forced (the application asked), or wanted, media is arriving and the last request is older than the repeat interval.</summary>
    public bool ShouldRequest(bool mediaArriving, bool forced)
    {
        var now = time.GetTimestamp();
        if (!forced)
        {
            if (!Wanted || !mediaArriving)
            {
                return false;
            }

            if (_last != long.MinValue && time.GetElapsedTime(_last, now) < repeatInterval)
            {
                return false;
            }
        }

        _last = now;
        PlisSent++;
        return true;
    }
}
