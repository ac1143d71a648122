using CallBot.Rtc.Payloads;

namespace CallBot.Rtc.Media;

/// <summary>
/// The sending half of a transceiver: frames from one producer are packetized by an <see cref="RtpStreamSender"/>,
/// SRTP-protected and sent while the connection is up; otherwise they are dropped and counted. NACKs (receive loop)
/// and sender reports (RTCP timer) share the stream under one lock, so the producer may be any single thread.
/// </summary>
internal sealed class MediaSendStream : IEncodedFrameSink
{
    private readonly Lock _lock = new();
    private readonly RtpPacketHandler _onPacket;
    private readonly TimeProvider _time;
    private RtpStreamSender? _sender;
    private volatile SrtpSession? _session;
    private volatile RtpPacketHandler _writer;
    private volatile bool _enabled;
    private CodecId _codec;
    private int _clockRate;
    private long _framesDropped;
    private long _framesWrongCodec;
    private long _nacksReceived;

    public MediaSendStream(uint ssrc, uint? rtxSsrc, TimeProvider time)
    {
        Ssrc = ssrc;
        RtxSsrc = rtxSsrc;
        _time = time;
        _onPacket = OnPacket;
        SendToSession = SendRtp;
        _writer = SendToSession;
    }

    /// <summary>The end of the RTP writer chain: SRTP-protect and send.</summary>
    public RtpPacketHandler SendToSession { get; }

    /// <summary>Where packets go: <see cref="SendToSession"/>, or the stages' wrappers around it (set when the stream is bound).</summary>
    public RtpPacketHandler Writer
    {
        get => _writer;
        set => _writer = value;
    }


    public uint Ssrc { get; }

    public uint? RtxSsrc { get; }

    public CodecId? Codec { get; private set; }

    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    public long FramesWithWrongCodec => Interlocked.Read(ref _framesWrongCodec);

    public long NacksReceived => Interlocked.Read(ref _nacksReceived);

    /// <summary>ULPFEC packets sent and their bytes (set by the fec stage each RTCP tick).</summary>
    public long FecPacketsSent { get; set; }

    public long FecBytesSent { get; set; }

    public void OnFrame(in EncodedFrame frame)
    {
        if (!_enabled || _session is null)
        {
            Interlocked.Increment(ref _framesDropped);
            return;
        }

        lock (_lock)
        {
            if (_sender is null)
            {
                Interlocked.Increment(ref _framesDropped);
                return;
            }

            if (frame.Codec != _codec)
            {
                Interlocked.Increment(ref _framesWrongCodec);
                Interlocked.Increment(ref _framesDropped);
                return;
            }

            _sender.SendFrame(frame.Data.Span, frame.Timestamp);
        }
    }

    /// <summary>(Re)configures the stream after negotiation. Keeps the sequence/timestamp continuity when the codec is unchanged.</summary>
    public void Configure(CodecId codec, RtpStreamSenderOptions options, bool enabled)
    {
        lock (_lock)
        {
            if (_sender is null || Codec != codec || options.PayloadType != _payloadType)
            {
                _sender = new RtpStreamSender(options, RtpCodecs.CreatePayloader(codec), _onPacket, _time) { RoundTripTime = _roundTrip };
                _payloadType = options.PayloadType;
            }

            _codec = codec;
            _clockRate = codec.ClockRate();
            Codec = codec;
            _enabled = enabled;
        }
    }

    private byte _payloadType;

    public void SetEnabled(bool enabled) => _enabled = enabled && _sender is not null;

    public void Attach(SrtpSession? session) => _session = session;

    /// <summary>Stats stage: a NACK about this stream arrived.</summary>
    public void CountNackReceived() => Interlocked.Increment(ref _nacksReceived);

    public void OnNack(GenericNack nack)
    {
        lock (_lock)
        {
            _sender?.OnNack(nack);
        }
    }

    /// <summary>The RTT measured from the peer's reports: NACKed packets are resent at most once per RTT.</summary>
    public void OnRoundTripTime(TimeSpan roundTrip)
    {
        lock (_lock)
        {
            _roundTrip = roundTrip;
            if (_sender is not null)
            {
                _sender.RoundTripTime = roundTrip;
            }
        }
    }

    private TimeSpan? _roundTrip;

    /// <summary>Retransmission refusals of the current sender: (suppressed within one RTT, over the byte budget).</summary>
    public (long Suppressed, long OverBudget) ReadNackRefusals()
    {
        lock (_lock)
        {
            return _sender is null ? default : (_sender.RetransmissionsSuppressed, _sender.RetransmissionsOverBudget);
        }
    }

    /// <summary>An SR for this stream, or null when nothing was sent yet.</summary>
    public SenderReport? CreateSenderReport(IReadOnlyList<ReportBlock> blocks)
    {
        lock (_lock)
        {
            return _sender is null || _sender.PacketsSent == 0 ? null : _sender.CreateSenderReport(_clockRate, blocks);
        }
    }

    public OutboundCounters ReadCounters()
    {
        lock (_lock)
        {
            return _sender is null
                ? default
                : new OutboundCounters(_sender.PacketsSent, _sender.PayloadOctetsSent, _sender.FramesSent, _sender.Retransmissions);
        }
    }

    /// <summary>
    /// One probe padding packet (an RTX resend of a recent packet) to <paramref name="writer"/>, under the stream's lock
    /// (the producer's sends and NACK resends wait for it); returns its size, 0 when there is nothing to send with.
    /// </summary>
    public int SendPadding(RtpPacketHandler writer)
    {
        if (!_enabled || _session is null)
        {
            return 0;
        }

        lock (_lock)
        {
            return _sender?.SendPadding(writer) ?? 0;
        }
    }

    /// <summary>
    /// A sequence number in the media's space for a packet a writer-chain stage adds (ULPFEC); only from within the writer
    /// chain, where the stream's lock is already held by the send that called it. Null before a codec is configured.
    /// </summary>
    public ushort? ReserveSequenceNumber() => _sender?.ReserveSequenceNumber();

    private void OnPacket(ReadOnlySpan<byte> packet) => _writer(packet);

    private void SendRtp(ReadOnlySpan<byte> packet) => _session?.SendRtp(packet);
}

internal readonly record struct OutboundCounters(long PacketsSent, long PayloadBytesSent, long FramesSent, long Retransmissions);
