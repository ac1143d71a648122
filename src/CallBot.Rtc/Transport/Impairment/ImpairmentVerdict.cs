namespace CallBot.Rtc.Transport;

/// <summary>What a <see cref="LinkImpairer"/> decided for one datagram.</summary>
public enum ImpairmentVerdict
{
    Deliver,
    DroppedLoss,
    DroppedBlackout,
    DroppedQueueFull,
}

/// <summary>Per-direction counts of an impaired socket (read with <see cref="Interlocked"/> semantics).</summary>
public sealed class ImpairmentCounters
{
    private long _delivered;
    private long _delayed;
    private long _reordered;
    private long _lost;
    private long _blackout;
    private long _queueFull;

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Delayed => Interlocked.Read(ref _delayed);

    public long Reordered => Interlocked.Read(ref _reordered);

    public long DroppedLoss => Interlocked.Read(ref _lost);

    public long DroppedBlackout => Interlocked.Read(ref _blackout);

    public long DroppedQueueFull => Interlocked.Read(ref _queueFull);

    internal void Count(ImpairmentVerdict verdict, bool delayed, bool reordered)
    {
        switch (verdict)
        {
            case ImpairmentVerdict.Deliver:
                Interlocked.Increment(ref _delivered);
                if (delayed)
                {
                    Interlocked.Increment(ref _delayed);
                }

                if (reordered)
                {
                    Interlocked.Increment(ref _reordered);
                }

                break;
            case ImpairmentVerdict.DroppedLoss:
                Interlocked.Increment(ref _lost);
                break;
            case ImpairmentVerdict.DroppedBlackout:
                Interlocked.Increment(ref _blackout);
                break;
            default:
                Interlocked.Increment(ref _queueFull);
                break;
        }
    }
}
