namespace CallBot.Rtc.Bwe;

/// <summary>Whether the loss-based estimate limits the send rate, and which way it moves (libwebrtc's LossBasedState).</summary>
public enum LossBasedState
{
    /// <summary>Loss does not limit: the delay-based estimate is the estimate.</summary>
    DelayBased,

    /// <summary>Loss limits the estimate, and the estimate rose at its last update (or held after rising).</summary>
    Increasing,

    /// <summary>Loss limits the estimate, and it fell or held.</summary>
    Decreasing,
}
