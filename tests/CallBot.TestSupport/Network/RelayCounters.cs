namespace CallBot.TestSupport.Network;

/// <summary>
/// What one direction of a <see cref="UdpImpairmentRelay"/> did, as a consistent snapshot. Once nothing is in flight,
/// <c>Received == Forwarded + Dropped</c>; the far peer got <c>Forwarded + Duplicated</c> datagrams.
/// </summary>
public readonly record struct RelayCounters
{
    /// <summary>Datagrams that arrived on this direction's inbound port (from any sender).</summary>
    public long Received { get; init; }

    /// <summary>Originals handed to the outbound socket (duplicates not included).</summary>
    public long Forwarded { get; init; }

    /// <summary>Extra copies sent by the duplicate impairment.</summary>
    public long Duplicated { get; init; }

    /// <summary>Forwarded later than they arrived (delay, jitter, bandwidth queueing or reorder hold).</summary>
    public long Delayed { get; init; }

    /// <summary>Held back by the reorder impairment so later datagrams overtake them.</summary>
    public long Reordered { get; init; }

    public long DroppedLoss { get; init; }

    public long DroppedBlackout { get; init; }

    public long DroppedPredicate { get; init; }

    /// <summary>Tail drops: the bandwidth queue would have held it longer than MaxQueueDelay.</summary>
    public long DroppedQueueFull { get; init; }

    /// <summary>The far side's address is not known yet (it has sent nothing and none was configured).</summary>
    public long DroppedNoPeer { get; init; }

    /// <summary>From a sender other than the learned/configured peer of this side.</summary>
    public long DroppedUnknownSender { get; init; }

    /// <summary>The outbound socket refused the send.</summary>
    public long SendErrors { get; init; }

    public long Dropped => DroppedLoss + DroppedBlackout + DroppedPredicate + DroppedQueueFull + DroppedNoPeer + DroppedUnknownSender + SendErrors;

    /// <summary>Accepted and scheduled but not sent yet.</summary>
    public long InFlight => Received - Forwarded - Dropped;
}
