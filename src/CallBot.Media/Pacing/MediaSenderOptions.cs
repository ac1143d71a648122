namespace CallBot.Media.Pacing;

/// <summary>What a muted sender puts on the wire.</summary>
public enum MuteBehavior
{
    /// <summary>Pre-encoded black key frames / silence Opus packets at the normal pace (what a browser does with <c>track.enabled = false</c>). Falls back to <see cref="Stop"/> when the track has no filler.</summary>
    SendFiller,
    /// <summary>Nothing; timestamps keep advancing, so the stream resumes where real time is (as after a paused <c>RTCRtpSender</c>).</summary>
    Stop,
}

/// <summary>Options of one <see cref="MediaSender"/>.</summary>
public sealed class MediaSenderOptions
{
    /// <summary>Cap on frames handed over in one tick, so one sender far behind (a stalled machine) cannot starve the rest; it catches up over the next ticks.</summary>
    public const int DefaultMaxFramesPerTick = 16;

    public MuteBehavior MuteBehavior { get; set; } = MuteBehavior.SendFiller;

    /// <summary>Initial target bitrate; the highest ladder rendition at or below it is sent (the top one by default).</summary>
    public int TargetBitrateKbps { get; set; } = int.MaxValue;

    /// <summary>Start muted (an SDK call that starts with the camera off).</summary>
    public bool StartMuted { get; set; }

    public int MaxFramesPerTick { get; set; } = DefaultMaxFramesPerTick;

    /// <summary>
    /// The <see cref="TimeProvider"/> timestamp (<see cref="MediaClock.GetTimestamp"/>) at which frame 0 is due; null for
    /// "now". Give a call's audio and video senders the same value so their clips start at the same instant (A/V sync).
    /// </summary>
    public long? StartTimestamp { get; set; }
}
