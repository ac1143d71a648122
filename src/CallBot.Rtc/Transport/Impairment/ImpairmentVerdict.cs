using CallBot.Rtc.Diagnostics;

namespace CallBot.Rtc.Transport;

/// <summary>What a <see cref="LinkImpairer"/> decided for one datagram.</summary>
public enum ImpairmentVerdict
{
    Deliver,
    DroppedLoss,
    DroppedBlackout,
    DroppedQueueFull,
}

/// <summary>What <see cref="ImpairmentCounters"/> counts.</summary>
public enum ImpairmentCounter
{
    Delivered,

    /// <summary>Delivered later than sent (a delay or jitter applied).</summary>
    Delayed,

    /// <summary>Delivered after a datagram sent later than it.</summary>
    Reordered,
    DroppedLoss,
    DroppedBlackout,
    DroppedQueueFull,
}

/// <summary>Per-direction counts of an impaired socket: <c>socket.UplinkCounters[ImpairmentCounter.DroppedLoss]</c>. Lock-free.</summary>
public sealed class ImpairmentCounters : EnumCounters<ImpairmentCounter>
{
    internal void Count(ImpairmentVerdict verdict, bool delayed, bool reordered)
    {
        switch (verdict)
        {
            case ImpairmentVerdict.Deliver:
                Count(ImpairmentCounter.Delivered);
                if (delayed)
                {
                    Count(ImpairmentCounter.Delayed);
                }

                if (reordered)
                {
                    Count(ImpairmentCounter.Reordered);
                }

                break;
            case ImpairmentVerdict.DroppedLoss:
                Count(ImpairmentCounter.DroppedLoss);
                break;
            case ImpairmentVerdict.DroppedBlackout:
                Count(ImpairmentCounter.DroppedBlackout);
                break;
            default:
                Count(ImpairmentCounter.DroppedQueueFull);
                break;
        }
    }
}
