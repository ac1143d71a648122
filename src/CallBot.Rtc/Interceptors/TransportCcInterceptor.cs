using System.Buffers.Binary;
using CallBot.Rtc.Bwe;
using CallBot.Rtc.Sdp;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// Transport-wide congestion control both ways (draft-holmer-rmcat-transport-wide-cc-extensions-01).
/// Writer: every RTP packet we send (audio, video, RTX) gets the connection's next transport sequence number in its
/// header extension (<see cref="TransportSendHistory"/> remembers when it left); every
/// <see cref="TransportCcOptions.FeedbackInterval"/> the arrivals of the peer's numbers go back as RTPFB FMT 15
/// (<see cref="TransportArrivalRecorder"/>). Reader: feedback about our packets feeds the
/// <see cref="SendSideBandwidthEstimator"/>, whose estimate becomes the video transceivers'
/// <see cref="RtpTransceiver.TargetBitrateKbps"/> (with REMB and maxBandwidth, the lowest wins).
/// </summary>
/// <remarks>
/// Probing: the clusters the estimator asks for (<see cref="SendSideBandwidthEstimator.TryTakeProbe"/>) go to a
/// <see cref="ProbeSender"/> whose packets are RTX resends of a video stream's recent packets, written through that
/// stream's stamper with the cluster id (so their feedback is told apart) and straight to the session: not through the
/// pacer (a probe must leave at its own rate) nor FEC. The prober's timer runs only while a cluster is being sent.
/// The extension is negotiated only while this stage is enabled (the peer connection offers/answers it with the
/// <c>transport-cc</c> rtcp-fb). The peer's RTX packets (retransmissions, and the padding Chrome probes with) bypass
/// the reader chain; <see cref="ReadRtx"/> records them, or the peer's estimator would count them as lost.
/// </remarks>
internal sealed class TransportCcInterceptor : Interceptor, IDisposable
{
    private static readonly string[] Feedback = [SdpRtcpFeedback.TransportCc];

    private readonly InterceptorContext _context;
    private readonly TransportCcOptions _options;
    private readonly TransportSendHistory _sent = new();
    private readonly TransportArrivalRecorder _arrivals;
    private readonly SendSideBandwidthEstimator _estimator;
    private readonly SentPacketResult[] _results = new SentPacketResult[TransportSendHistory.Capacity];
    private readonly List<RtpTransceiver> _local = [];
    private readonly ProbeSender _prober;
    private volatile Stamper[] _probeStreams = [];
    private int _probeStream;
    private readonly Dictionary<RtpTransceiver, ExtensionIdCache> _rtxIds = [];
    private readonly long _start;
    private long _lastFeedback = long.MinValue;
    private uint _mediaSsrc;

    public TransportCcInterceptor(InterceptorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _options = context.Options.TransportCc;
        _options.Validate();
        _arrivals = new TransportArrivalRecorder(_options.MaxPacketsPerFeedback);
        _estimator = new SendSideBandwidthEstimator(_options, context.Time);
        _prober = new ProbeSender(context.Time, SendProbePacket);
        _start = context.Time.GetTimestamp();
    }

    public override string Name => InterceptorRegistry.TransportCc;

    public override IReadOnlyList<string> RtcpFeedback => Feedback;

    /// <summary>The send-side estimate (bits/s) and its parts; read under the receive lock.</summary>
    internal SendSideBandwidthEstimator Estimator => _estimator;

    internal TransportSendHistory Sent => _sent;

    internal TransportArrivalRecorder Arrivals => _arrivals;

    internal ProbeSender Prober => _prober;

    /// <summary>Feedback packets we sent / received and used.</summary>
    internal long FeedbackSent { get; private set; }

    internal long FeedbackReceived { get; private set; }

    public override RtpPacketHandler BindLocalStream(RtpTransceiver transceiver, RtpPacketHandler writer)
    {
        _local.Add(transceiver);
        var stamper = new Stamper(this, transceiver, writer);
        if (transceiver.Kind == MediaKind.Video)
        {
            _probeStreams = [.. _probeStreams, stamper];
        }

        return stamper.Write;
    }

    public override void UnbindLocalStream(RtpTransceiver transceiver)
    {
        _local.Remove(transceiver);
        _probeStreams = [.. _probeStreams.Where(s => s.Transceiver != transceiver)];
    }

    public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
    {
        _rtxIds.TryAdd(transceiver, new ExtensionIdCache(transceiver));
        return new ArrivalReader(this, transceiver, stream.Ssrc, reader).Read;
    }

    public override void ReadRtx(RtpTransceiver transceiver, MediaReceiveStream stream, ReadOnlySpan<byte> packet)
    {
        if (_rtxIds.TryGetValue(transceiver, out var id))
        {
            OnArrival(id.Get(), stream.Ssrc, packet);
        }
    }

    public override void ReadRtcp(IRtcpPacket packet)
    {
        if (packet is not TransportCc feedback)
        {
            return;
        }

        var matched = _sent.Match(feedback, _results);
        if (matched == 0)
        {
            return;
        }

        FeedbackReceived++;
        foreach (var transceiver in _local)
        {
            if (transceiver.Kind == MediaKind.Video && transceiver.RoundTripTime is { } rtt)
            {
                _estimator.RoundTripTime = rtt;
                break;
            }
        }

        _estimator.SetApplicationMax(ApplicationMaxKbps() * 1000L);
        var decreases = _estimator.Decreases;
        var estimate = _estimator.OnFeedback(_results.AsSpan(0, matched));
        while (_estimator.TryTakeProbe(out var cluster))
        {
            _prober.Enqueue(cluster);
        }

        BweMetrics.Estimate.Record(estimate);
        if (_estimator.Decreases != decreases)
        {
            BweMetrics.Decreases.Add(_estimator.Decreases - decreases);
        }

        Distribute(estimate);
    }

    public override void WriteRtcp(RtcpBatch batch)
    {
        if (!_arrivals.HasPending)
        {
            return;
        }

        var now = _context.Time.GetTimestamp();
        if (_lastFeedback != long.MinValue && _context.Time.GetElapsedTime(_lastFeedback, now) < _options.FeedbackInterval)
        {
            return;
        }

        if (_arrivals.TakeFeedback(batch.Transceiver.Ssrc, _mediaSsrc) is { } feedback)
        {
            batch.Packets.Add(feedback);
            FeedbackSent++;
        }

        _lastFeedback = now;
    }

    /// <summary>Stops the prober's timer.</summary>
    public void Dispose() => _prober.Dispose();

    public override void Close()
    {
        Dispose();
        _local.Clear();
        _probeStreams = [];
        _rtxIds.Clear();
    }

    /// <summary>The prober's timer: one padding packet of the cluster on the first video stream that has one to send.</summary>
    private int SendProbePacket(int clusterId)
    {
        var streams = _probeStreams;
        for (var i = 0; i < streams.Length; i++)
        {
            var stamper = streams[(_probeStream + i) % streams.Length];
            var size = stamper.WriteProbe(clusterId);
            if (size > 0)
            {
                _probeStream = (_probeStream + i) % streams.Length;
                return size;
            }
        }

        return 0;
    }

    /// <summary>The application's limit on the video streams (maxBandwidth, the remote b=AS), summed; 0 while any has none.</summary>
    private int ApplicationMaxKbps()
    {
        var sum = 0;
        foreach (var transceiver in _local)
        {
            if (transceiver.Kind != MediaKind.Video)
            {
                continue;
            }

            var max = 0;
            foreach (var limit in (ReadOnlySpan<int>)[transceiver.MaxBandwidthKbps, transceiver.RemoteBandwidthKbps])
            {
                if (limit > 0 && (max == 0 || limit < max))
                {
                    max = limit;
                }
            }

            if (max == 0)
            {
                return 0;
            }

            sum += max;
        }

        return sum;
    }

    /// <summary>Audio keeps its allowance; the video streams share the rest evenly.</summary>
    private void Distribute(long estimateBitsPerSecond)
    {
        var video = 0;
        var audio = 0;
        foreach (var transceiver in _local)
        {
            if (transceiver.Kind == MediaKind.Video)
            {
                video++;
            }
            else
            {
                audio++;
            }
        }

        if (video == 0)
        {
            return;
        }

        var share = (int)Math.Max(_options.MinBitrateKbps, ((estimateBitsPerSecond / 1000) - (audio * _options.AudioAllowanceKbps)) / video);
        foreach (var transceiver in _local)
        {
            if (transceiver.Kind == MediaKind.Video && transceiver.TransportCcKbps != share)
            {
                transceiver.TransportCcKbps = share;
                transceiver.UpdateTargetBitrate();
            }
        }
    }

    private void OnArrival(int id, uint ssrc, ReadOnlySpan<byte> packet)
    {
        if (id == 0
            || !RtpHeader.TryParse(packet, out var header, out _, out _)
            || !header.TryGetExtension(packet, id, out var value)
            || value.Length != 2)
        {
            return;
        }

        _mediaSsrc = ssrc;
        var arrival = _context.Time.GetElapsedTime(_start).Ticks / (TimeSpan.TicksPerMillisecond / 1000);
        _arrivals.Record(BinaryPrimitives.ReadUInt16BigEndian(value), arrival);
    }

    /// <summary>A remote stream's reader: notes the arrival of its transport sequence number, then hands the packet on.</summary>
    private sealed class ArrivalReader(TransportCcInterceptor owner, RtpTransceiver transceiver, uint ssrc, RtpPacketReader next)
    {
        private readonly ExtensionIdCache _id = new(transceiver);

        public bool Read(ReadOnlySpan<byte> packet, out RtpDropReason reason)
        {
            owner.OnArrival(_id.Get(), ssrc, packet);
            return next(packet, out reason);
        }
    }

    /// <summary>
    /// A local stream's writer: copies the packet into a buffer with the connection's next transport sequence number in
    /// the extension the stream reserved, records the send, and hands it on. The buffer is the thread's scratch buffer
    /// (<see cref="ScratchBuffer{TUser}"/>: nothing allocated once warm), not one per stream: the pacer sends a stream's queued
    /// packets from its timer while the producer may send the next one directly, both outside any shared lock.
    /// </summary>
    private sealed class Stamper
    {
        private const int BufferSize = ScratchBuffer<Stamper>.Size;
        private readonly TransportCcInterceptor _owner;
        private readonly RtpPacketHandler _next;
        private readonly RtpPacketHandler _probeWriter;
        private readonly ExtensionIdCache _id;
        private int _probeCluster = -1;
        private int _probeBytes;

        public Stamper(TransportCcInterceptor owner, RtpTransceiver transceiver, RtpPacketHandler next)
        {
            _owner = owner;
            _next = next;
            Transceiver = transceiver;
            _id = new ExtensionIdCache(transceiver);
            _probeWriter = WriteProbePacket;
        }

        public RtpTransceiver Transceiver { get; }

        public void Write(ReadOnlySpan<byte> packet) => Write(packet, -1);

        /// <summary>The prober's timer only (one tick at a time): one padding packet of the cluster, stamped with its id.</summary>
        public int WriteProbe(int clusterId)
        {
            _probeCluster = clusterId;
            _probeBytes = 0;
            Transceiver.SendStream.SendPadding(_probeWriter);
            return _probeBytes;
        }

        private void WriteProbePacket(ReadOnlySpan<byte> packet)
        {
            if (Write(packet, _probeCluster))
            {
                _probeBytes = packet.Length;
            }
        }

        /// <summary>Returns whether the packet was stamped (it is sent either way).</summary>
        private bool Write(ReadOnlySpan<byte> packet, int probeCluster)
        {
            var owner = _owner;
            var next = _next;
            var id = _id.Get();
            if (id == 0
                || packet.Length > BufferSize
                || !RtpHeader.TryParse(packet, out var header, out _, out _)
                || !header.TryGetExtension(packet, id, out var value)
                || value.Length != 2
                || !packet.Overlaps(value, out var offset))
            {
                next(packet);
                return false;
            }

            // Media sent while a probe cluster is under way is part of it (the prober pads only the rest up to its rate).
            var media = probeCluster < 0;
            if (media)
            {
                probeCluster = owner._prober.ActiveCluster;
            }

            var buffer = ScratchBuffer<Stamper>.Take();
            try
            {
                packet.CopyTo(buffer);
                var sequence = owner._sent.Stamp(packet.Length, owner._context.Time.GetTimestamp(), probeCluster);
                if (media && probeCluster >= 0)
                {
                    owner._prober.OnMediaSent(probeCluster, packet.Length);
                }

                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset), sequence);
                next(buffer.AsSpan(0, packet.Length));
            }
            finally
            {
                ScratchBuffer<Stamper>.Return(buffer);
            }

            return true;
        }
    }

    /// <summary>
    /// The negotiated transport-cc extension id of a transceiver, looked up again only when a negotiation replaced the
    /// media (the lookup enumerates). Media and id are kept as one reference, so the pacer's timer and the producer
    /// reading it at once never see one without the other.
    /// </summary>
    private sealed class ExtensionIdCache(RtpTransceiver transceiver)
    {
        private volatile Lookup? _last;

        public int Get()
        {
            var media = transceiver.Negotiated;
            var last = _last;
            if (last is null || !ReferenceEquals(media, last.Media))
            {
                last = new Lookup(media, media?.TransportWideCcId ?? 0); // once per negotiation
                _last = last;
            }

            return last.Id;
        }

        private sealed record Lookup(NegotiatedMedia? Media, int Id);
    }
}
