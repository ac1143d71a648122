namespace CallBot.Rtc.Transport;

/// <summary>
/// The decisions for one direction of one socket: drop or deliver, and when. Pure apart from its seeded
/// <see cref="Random"/> and token-bucket state; times are <see cref="TimeProvider"/> timestamps. Not thread-safe (the
/// socket serialises calls per direction).
/// </summary>
/// <remarks>
/// The bandwidth cap is a token-bucket shaper written as GCRA (RFC 2475-era "virtual scheduling"): each datagram costs
/// <c>T = bytes·8 / rate</c>; it may leave at <c>max(now, TAT + T − τ)</c> where τ is the bucket depth in time, and then
/// <c>TAT = max(TAT, departure) + T</c>. Departures are FIFO, so a queue builds up when the offered rate exceeds the cap.
/// <code>
///  send ─► blackout? ─► loss? ─► shaper (queue ≤ MaxQueueDelay) ─► + delay ± jitter (FIFO unless !JitterKeepsOrder)
///       ─► (+ reorder hold) ─► due time
/// </code>
/// </remarks>
public sealed class LinkImpairer
{
    private readonly LinkImpairment _link;
    private readonly Random _random;
    private readonly long _frequency;
    private readonly long _epoch;
    private readonly double _ticksPerByte;
    private readonly long _burstTicks;
    private readonly long _maxQueueTicks;
    private long _theoreticalArrival;
    private long _lastDue = long.MinValue;

    /// <param name="notBefore">
    /// The previous impairer's last due time when this one replaces it mid-run: datagrams of an order-keeping link leave no
    /// earlier than that, so a shorter delay drains behind the queue rather than overtaking it.
    /// </param>
    public LinkImpairer(LinkImpairment link, int seed, long epochTimestamp, long timestampFrequency, long notBefore = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        _link = link;
        _random = new Random(seed);
        _frequency = timestampFrequency;
        _epoch = epochTimestamp;
        _ticksPerByte = link.BandwidthKbps > 0 ? 8.0 * timestampFrequency / (link.BandwidthKbps * 1000.0) : 0;
        _burstTicks = (long)(_ticksPerByte * Math.Max(link.BurstBytes, 0));
        _maxQueueTicks = ToTicks(link.MaxQueueDelay);
        _theoreticalArrival = long.MinValue;
        _lastDue = notBefore;
    }

    public LinkImpairment Link => _link;

    /// <summary>The due time of the last datagram delivered (long.MinValue before the first).</summary>
    public long LastDue => _lastDue;

    /// <summary>Decides for a datagram of <paramref name="length"/> bytes offered at <paramref name="now"/>; on delivery, <paramref name="due"/> is when it leaves.</summary>
    public ImpairmentVerdict Decide(long now, int length, out long due, out bool reordered)
    {
        due = now;
        reordered = false;
        if (_link.Blackouts.Count > 0)
        {
            var sinceEpoch = TimeSpan.FromSeconds((double)(now - _epoch) / _frequency);
            foreach (var window in _link.Blackouts)
            {
                if (window.Contains(sinceEpoch))
                {
                    return ImpairmentVerdict.DroppedBlackout;
                }
            }
        }

        if (_link.LossRate > 0 && _random.NextDouble() < _link.LossRate)
        {
            return ImpairmentVerdict.DroppedLoss;
        }

        var departure = now;
        if (_ticksPerByte > 0)
        {
            var cost = (long)Math.Ceiling(_ticksPerByte * length);
            var tat = _theoreticalArrival == long.MinValue ? now : _theoreticalArrival;
            // Tokens at `now` are burst − (TAT − now); the datagram leaves once its own cost is covered.
            departure = Math.Max(now, tat + cost - Math.Max(_burstTicks, cost));
            if (departure - now > _maxQueueTicks)
            {
                return ImpairmentVerdict.DroppedQueueFull;
            }

            _theoreticalArrival = Math.Max(tat, departure) + cost;
        }

        var delay = ToTicks(_link.Delay);
        if (_link.Jitter > TimeSpan.Zero)
        {
            var jitter = ToTicks(_link.Jitter);
            delay += (long)(((_random.NextDouble() * 2) - 1) * jitter);
            delay = Math.Max(0, delay);
        }

        due = departure + delay;
        if (_link.JitterKeepsOrder)
        {
            due = Math.Max(due, _lastDue);
        }

        _lastDue = due;
        if (_link.ReorderRate > 0 && _random.NextDouble() < _link.ReorderRate)
        {
            due += ToTicks(_link.ReorderDelay);
            reordered = true;
        }

        return ImpairmentVerdict.Deliver;
    }

    private long ToTicks(TimeSpan value) => (long)(value.TotalSeconds * _frequency);
}
