namespace CallBot.Rtc.Bwe;

/// <summary>What the delay-based detector concludes about the path (GCC §5.4).</summary>
public enum BandwidthUsage
{
    /// <summary>Queuing delay is stable.</summary>
    Normal,

    /// <summary>Queuing delay grows: we send more than the bottleneck passes.</summary>
    Overusing,

    /// <summary>Queuing delay shrinks: a queue is draining.</summary>
    Underusing,
}
