using CallBot.Rtc.Bwe;
using CallBot.Rtc.Rtcp;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>
/// A sender at the estimate (or a fixed rate) and its prober (<see cref="ProbeSender"/>, on the same fake clock), a
/// bottleneck queue of a given capacity, 25 ms one way, feedback every 50 ms through the RTCP wire format and back.
/// </summary>
internal sealed class SimulatedLink : IDisposable
{
    private const int PacketSize = 1200;
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(5);
    private readonly FakeTimeProvider _time = new();
    private readonly TransportCcOptions? _options;
    private readonly long _origin;
    private readonly TransportSendHistory _sent = new();
    private readonly TransportArrivalRecorder _arrivals = new();
    private readonly Queue<(long ArrivalMicroseconds, ushort Sequence)> _inFlight = new();
    private readonly SentPacketResult[] _results = new SentPacketResult[TransportSendHistory.Capacity];
    private readonly byte[] _wire = new byte[1500];
    private double _credit;
    private long _queueFreeAt;
    private int _packets;
    private Random? _random;
    private double _policerBits = PolicerBurstPackets * PacketSize * 8.0;
    private long _policerRefilledAt;
    private long _bytesSent;
    private SendSideBandwidthEstimator? _estimator;
    private ProbeSender? _prober;

    public SimulatedLink(int capacityKbps, TransportCcOptions? options = null)
    {
        CapacityKbps = capacityKbps;
        _options = options;
        _origin = _time.GetTimestamp();
    }

    public int CapacityKbps { get; set; }

    /// <summary>A fixed send rate (an application-limited encoder); null = the estimate.</summary>
    public int? SendRateKbps { get; set; }

    /// <summary>An encoder that picks its rate (kbit/s) from the estimate (bit/s), as a renditions ladder; wins over <see cref="SendRateKbps"/>.</summary>
    public Func<long, int>? Encoder { get; set; }

    public int LossEvery { get; init; }

    /// <summary>Independent random loss on the wire (0..1), drawn from a generator seeded with <see cref="Seed"/>; settable mid-run.</summary>
    public double LossProbability { get; set; }

    public int Seed { get; init; } = 1;

    /// <summary>
    /// A policer ahead of the queue (a lossy bottleneck, kbit/s): a token bucket of <see cref="PolicerBurstPackets"/>
    /// packets; a packet finding it empty is dropped, none waits, so the delay-based detector sees nothing. null = none.
    /// </summary>
    public int? PolicerKbps { get; set; }

    public const int PolicerBurstPackets = 8;

    /// <summary>Packets the wire and the policer dropped so far.</summary>
    public long PacketsDropped { get; private set; }

    /// <summary>Packets sent so far (media and probes).</summary>
    public long PacketsSent { get; private set; }

    public FakeTimeProvider Time => _time;

    public SendSideBandwidthEstimator Estimator => _estimator ??= new SendSideBandwidthEstimator(_options ?? new TransportCcOptions(), _time);

    public ProbeSender Prober => _prober ??= new ProbeSender(_time, SendProbe);

    /// <summary>Bytes sent so far (media and probes).</summary>
    public long BytesSent => _bytesSent;

    /// <summary>The longest a packet waited at the bottleneck since the last <see cref="ResetMaxQueueDelay"/>.</summary>
    public TimeSpan MaxQueueDelay { get; private set; }

    public void ResetMaxQueueDelay() => MaxQueueDelay = TimeSpan.Zero;

    /// <summary>Probe bytes sent so far.</summary>
    public long ProbeBytesSent => _prober?.BytesSent ?? 0;

    private long NowMicroseconds => (long)_time.GetElapsedTime(_origin).TotalMicroseconds;

    public void Run(TimeSpan duration)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Step)
        {
            var rate = (Encoder?.Invoke(Estimator.EstimateBitsPerSecond) ?? SendRateKbps) * 1000.0 ?? Estimator.EstimateBitsPerSecond;
            _credit += rate * Step.TotalSeconds / (PacketSize * 8);
            for (; _credit >= 1; _credit--)
            {
                var cluster = _prober?.ActiveCluster ?? -1; // media sent during a cluster is part of it, as the stamper does
                Send(cluster);
                if (cluster >= 0)
                {
                    _prober!.OnMediaSent(cluster, PacketSize);
                }
            }

            _time.Advance(Step); // the prober's timer sends its packets here, each at its own fake time
            var now = NowMicroseconds;
            while (_inFlight.TryPeek(out var next) && next.ArrivalMicroseconds <= now)
            {
                _inFlight.Dequeue();
                _arrivals.Record(next.Sequence, next.ArrivalMicroseconds);
            }

            if (now % 50_000 == 0 && _arrivals.TakeFeedback(1, 2) is { } built)
            {
                Assert.True(built.TryWrite(_wire, out var written));
                Assert.True(TransportCc.TryParse(_wire.AsSpan(0, written), out var feedback, out _));
                var n = _sent.Match(feedback!, _results);
                Estimator.OnFeedback(_results.AsSpan(0, n));
                while (Estimator.TryTakeProbe(out var cluster))
                {
                    Prober.Enqueue(cluster);
                }

                if (Environment.GetEnvironmentVariable("TCC_TRACE") is { } trace && (now % 250_000 == 0 || Environment.GetEnvironmentVariable("TCC_TRACE_ALL") is not null))
                {
                    File.AppendAllText(trace, FormattableString.Invariant($"t={now / 1000} n={n}/{built.Packets.Count} est={Estimator.EstimateBitsPerSecond} delay={Estimator.DelayBasedBitsPerSecond} acked={Estimator.AckedBitsPerSecond} state={Estimator.DelayState} loss={Estimator.LossFraction} lossState={Estimator.LossBased.State} B={Estimator.LossBased.LossLimitedBitsPerSecond} inherent={Estimator.LossBased.InherentLoss:0.000} alr={Estimator.ApplicationLimited} probes={Estimator.ProbesApplied} clusters={Estimator.Probes.Clusters} sent={_prober?.ClustersSent} results={Estimator.ProbeResults.Results} invalid={Estimator.ProbeResults.Invalid} last={Estimator.ProbeResults.LastResult}\n"));
                }
            }
        }
    }

    public void Dispose() => _prober?.Dispose();

    private int SendProbe(int clusterId)
    {
        Send(clusterId);
        return PacketSize;
    }

    private void Send(int clusterId)
    {
        var now = NowMicroseconds;
        var sequence = _sent.Stamp(PacketSize, _time.GetTimestamp(), clusterId);
        _bytesSent += PacketSize;
        PacketsSent++;
        if (Policed(now) || (LossProbability > 0 && (_random ??= new Random(Seed)).NextDouble() < LossProbability))
        {
            PacketsDropped++;
            return;
        }

        _queueFreeAt = Math.Max(_queueFreeAt, now) + (long)(PacketSize * 8.0 / CapacityKbps * 1000);
        var wait = TimeSpan.FromMicroseconds(_queueFreeAt - now);
        MaxQueueDelay = wait > MaxQueueDelay ? wait : MaxQueueDelay;
        if (LossEvery == 0 || ++_packets % LossEvery != 0)
        {
            _inFlight.Enqueue((_queueFreeAt + 25_000, sequence));
        }
        else
        {
            PacketsDropped++;
        }
    }

    private bool Policed(long nowMicroseconds)
    {
        if (PolicerKbps is not { } limit)
        {
            return false;
        }

        // kbit/s × µs = bits / 1000
        _policerBits = Math.Min(PolicerBurstPackets * PacketSize * 8.0, _policerBits + ((nowMicroseconds - _policerRefilledAt) * limit / 1000.0));
        _policerRefilledAt = nowMicroseconds;
        if (_policerBits < PacketSize * 8)
        {
            return true;
        }

        _policerBits -= PacketSize * 8;
        return false;
    }
}
