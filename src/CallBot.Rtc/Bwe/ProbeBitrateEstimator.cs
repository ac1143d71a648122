namespace CallBot.Rtc.Bwe;

/// <summary>
/// The result of a probe cluster from the transport-cc feedback of its packets (libwebrtc's ProbeBitrateEstimator): the
/// rate they left at (bytes but the last one over first → last send time) and the rate they arrived at (bytes but the
/// first one over first → last arrival). A path that carried the probe delivers it at about the send rate; a narrower
/// one spreads it out to its own rate. The result is the lower of the two, and 95 % of the receive rate when that is
/// below 90 % of the send rate (the link was saturated: aim just under it); never more than the cluster's own rate.
/// Why that bound: the packets leave on a 1 ms timer that a loaded host runs late (several go at once), media sent
/// meanwhile is part of the cluster and leaves as a burst (no pacer), and a receiver that reads its socket in batches
/// stamps arrivals close together; both rates then come out above the probe's, even above the link's (seen in the
/// bandwidth-step bench under load: 4–5 Mbit/s results from a 2.5 Mbit/s link, then a rendition the link could not
/// carry). A probe shows whether the path carries the rate it was sent at, not more; a wider path is found by the
/// next probe at 2 × the result (<see cref="ProbeController"/>).
/// </summary>
/// <remarks>
/// A cluster counts once 80 % of its packets and bytes were reported received; results with a send or receive interval
/// outside (0, 1 s], or a receive rate more than twice the send rate (arrivals bunched by a queue ahead of the probe),
/// are discarded (<see cref="Invalid"/>). At most <see cref="Slots"/> clusters are followed at once, each for
/// <see cref="ClusterLifetime"/>. Fixed arrays: nothing is allocated per packet. Not thread-safe (receive loop).
/// </remarks>
public sealed class ProbeBitrateEstimator
{
    public const int Slots = 8;
    public const double MinReceivedRatio = 0.8;
    public const double MaxValidRatio = 2.0;
    public const double MinRatioForUnsaturatedLink = 0.9;
    public const double TargetUtilization = 0.95;

    public static readonly TimeSpan MaxProbeInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ClusterLifetime = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly Aggregate[] _clusters = new Aggregate[Slots];
    private long? _lastEstimate;

    public ProbeBitrateEstimator(TimeProvider time)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        for (var i = 0; i < Slots; i++)
        {
            _clusters[i].Id = -1;
        }
    }

    /// <summary>Valid results so far.</summary>
    public long Results { get; private set; }

    /// <summary>The last valid result (bit/s), 0 before one.</summary>
    public long LastResult { get; private set; }

    /// <summary>Clusters whose packets arrived but gave no believable rate.</summary>
    public long Invalid { get; private set; }

    /// <summary>A cluster was sent (registered when it is created): its minimum count and size make its result valid.</summary>
    public void Register(in ProbeCluster cluster)
    {
        var now = _time.GetTimestamp();
        var slot = 0;
        for (var i = 0; i < Slots; i++)
        {
            if (_clusters[i].Id < 0 || _time.GetElapsedTime(_clusters[i].CreatedAt, now) > ClusterLifetime)
            {
                slot = i;
                break;
            }

            if (_clusters[i].CreatedAt < _clusters[slot].CreatedAt)
            {
                slot = i; // all in use: the oldest gives way
            }
        }

        _clusters[slot] = new Aggregate { Id = cluster.Id, Rate = cluster.BitsPerSecond, MinPackets = cluster.MinPackets, MinBytes = cluster.MinBytes, CreatedAt = now };
    }

    /// <summary>One reported packet of a cluster (<see cref="SentPacketResult.ProbeClusterId"/> ≥ 0).</summary>
    public void OnPacket(in SentPacketResult packet)
    {
        if (packet.ProbeClusterId < 0 || !packet.Received)
        {
            return;
        }

        var index = Find(packet.ProbeClusterId);
        if (index < 0)
        {
            return;
        }

        ref var c = ref _clusters[index];
        if (c.Packets == 0)
        {
            c.FirstSend = c.LastSend = packet.SendTimestamp;
            c.FirstArrival = c.LastArrival = packet.ArrivalMicroseconds;
            c.LastSendSize = c.FirstArrivalSize = packet.Size;
        }
        else
        {
            if (packet.SendTimestamp < c.FirstSend)
            {
                c.FirstSend = packet.SendTimestamp;
            }

            if (packet.SendTimestamp >= c.LastSend)
            {
                c.LastSend = packet.SendTimestamp;
                c.LastSendSize = packet.Size;
            }

            if (packet.ArrivalMicroseconds < c.FirstArrival)
            {
                c.FirstArrival = packet.ArrivalMicroseconds;
                c.FirstArrivalSize = packet.Size;
            }

            c.LastArrival = Math.Max(c.LastArrival, packet.ArrivalMicroseconds);
        }

        c.Packets++;
        c.Bytes += packet.Size;
        if (c.Packets < MinReceivedRatio * c.MinPackets || c.Bytes < MinReceivedRatio * c.MinBytes)
        {
            return;
        }

        var sendSeconds = _time.GetElapsedTime(c.FirstSend, c.LastSend).TotalSeconds;
        var receiveSeconds = (c.LastArrival - c.FirstArrival) / 1e6;
        if (sendSeconds <= 0 || sendSeconds > MaxProbeInterval.TotalSeconds || receiveSeconds <= 0 || receiveSeconds > MaxProbeInterval.TotalSeconds)
        {
            c.Invalid = true;
            return;
        }

        var sendBps = (c.Bytes - c.LastSendSize) * 8 / sendSeconds;
        var receiveBps = (c.Bytes - c.FirstArrivalSize) * 8 / receiveSeconds;
        if (receiveBps > MaxValidRatio * sendBps)
        {
            c.Invalid = true;
            return;
        }

        var result = Math.Min(sendBps, receiveBps);
        if (receiveBps < MinRatioForUnsaturatedLink * sendBps)
        {
            result = TargetUtilization * receiveBps;
        }

        result = Math.Min(result, c.Rate);

        if (!c.Counted)
        {
            c.Counted = true;
            Results++;
            BweMetrics.ProbeResults.Record((long)result);
        }

        c.Invalid = false;
        _lastEstimate = (long)result;
        LastResult = (long)result;
    }

    /// <summary>The latest result since the last call, if any.</summary>
    public bool TryTake(out long bitsPerSecond)
    {
        CountInvalid();
        if (_lastEstimate is { } estimate)
        {
            bitsPerSecond = estimate;
            _lastEstimate = null;
            return true;
        }

        bitsPerSecond = 0;
        return false;
    }

    private void CountInvalid()
    {
        var now = _time.GetTimestamp();
        for (var i = 0; i < Slots; i++)
        {
            ref var c = ref _clusters[i];
            if (c.Id >= 0 && c.Invalid && !c.Counted && _time.GetElapsedTime(c.CreatedAt, now) > ClusterLifetime)
            {
                c.Counted = true;
                Invalid++;
            }
        }
    }

    private int Find(int id)
    {
        for (var i = 0; i < Slots; i++)
        {
            if (_clusters[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    private struct Aggregate
    {
        public int Id;
        public long Rate;
        public int MinPackets;
        public int MinBytes;
        public long CreatedAt;
        public int Packets;
        public long Bytes;
        public long FirstSend;
        public long LastSend;
        public int LastSendSize;
        public long FirstArrival;
        public long LastArrival;
        public int FirstArrivalSize;
        public bool Invalid;
        public bool Counted;
    }
}
