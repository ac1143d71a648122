namespace CallBot.Rtc.Ice;

/// <summary>
/// The agent's outstanding STUN transactions (checks, consent, server requests), keyed by transaction id: first send,
/// retransmission with a doubling RTO (RFC 8489 §6.2.1), cancellation and time-out. Owned by the agent loop; the timer
/// pass allocates nothing.
/// </summary>
internal sealed class IceTransactionTable
{
    private readonly Dictionary<UInt128, IceTransaction> _byId = [];
    private readonly List<IceTransaction> _due = [];
    private readonly List<IceTransaction> _timedOut = [];

    /// <summary>The transactions that ran out of transmissions in the last <see cref="RunTimers"/>, already removed.</summary>
    public IReadOnlyList<IceTransaction> TimedOut => _timedOut;

    public bool TryGet(UInt128 id, out IceTransaction transaction) => _byId.TryGetValue(id, out transaction!);

    /// <summary>Keys <paramref name="transaction"/> by its id and sends its first transmission.</summary>
    public void Start(IceTransaction transaction, DateTimeOffset now)
    {
        _byId[transaction.Id] = transaction;
        transaction.Transmissions = 1;
        transaction.FirstSentAt = now;
        transaction.NextAt = now + transaction.Rto;
        transaction.Socket.TrySendTo(transaction.Datagram, transaction.DestinationAddress);
    }

    public void Complete(IceTransaction transaction)
    {
        _byId.Remove(transaction.Id);
        transaction.Dispose();
    }

    /// <summary>Stops retransmitting the ordinary checks of <paramref name="pair"/>; a late response is still taken until their next deadline.</summary>
    public void CancelChecksOf(IceCandidatePair pair)
    {
        foreach (var transaction in _byId.Values)
        {
            if (transaction.Kind == IceTransactionKind.Check && ReferenceEquals(transaction.Pair, pair) && !transaction.UseCandidate)
            {
                transaction.Cancelled = true;
            }
        }
    }

    /// <summary>Forgets every check of <paramref name="generation"/> (a restart replaced it).</summary>
    public void RemoveChecksOf(IceGeneration generation)
    {
        _due.Clear();
        foreach (var transaction in _byId.Values)
        {
            if (transaction.Kind == IceTransactionKind.Check && ReferenceEquals(transaction.Generation, generation))
            {
                _due.Add(transaction);
            }
        }

        foreach (var transaction in _due)
        {
            Complete(transaction);
        }

        _due.Clear();
    }

    /// <summary>Retransmits what is due, drops cancelled ones whose time is over, and lists in <see cref="TimedOut"/> the exhausted ones.</summary>
    public void RunTimers(DateTimeOffset now)
    {
        _timedOut.Clear();
        _due.Clear();
        foreach (var transaction in _byId.Values)
        {
            if (now >= transaction.NextAt)
            {
                _due.Add(transaction);
            }
        }

        foreach (var transaction in _due)
        {
            if (transaction.Cancelled)
            {
                Complete(transaction); // its time for a late response is over; the triggered check decides
                continue;
            }

            if (transaction.Transmissions >= transaction.MaxTransmissions)
            {
                Complete(transaction);
                _timedOut.Add(transaction);
                continue;
            }

            transaction.Transmissions++;
            var doubled = transaction.Rto * 2;
            transaction.Rto = doubled > transaction.MaxRto ? transaction.MaxRto : doubled;
            transaction.NextAt = now + transaction.Rto;
            transaction.Socket.TrySendTo(transaction.Datagram, transaction.DestinationAddress);
        }

        _due.Clear();
    }

    /// <summary>The earliest retransmission or time-out deadline, or <see cref="DateTimeOffset.MaxValue"/>.</summary>
    public DateTimeOffset NextDeadline()
    {
        var next = DateTimeOffset.MaxValue;
        foreach (var transaction in _byId.Values)
        {
            if (transaction.NextAt < next)
            {
                next = transaction.NextAt;
            }
        }

        return next;
    }

    public void Clear()
    {
        foreach (var transaction in _byId.Values)
        {
            transaction.Dispose();
        }

        _byId.Clear();
    }
}
