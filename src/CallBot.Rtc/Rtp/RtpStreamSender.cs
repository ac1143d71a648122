using System.Security.Cryptography;
using System.Text;
using CallBot.Rtc.Payloads;

namespace CallBot.Rtc.Rtp;

/// <summary>Receives each RTP packet a sender produces. The span is only valid during the call (SRTP-protect and send it there).</summary>
public delegate void RtpPacketHandler(ReadOnlySpan<byte> packet);

/// <summary>
/// One outgoing RTP stream: turns <see cref="EncodedFrame"/>s into RTP packets through an <see cref="IPayloader"/>,
/// stamps SSRC, sequence, timestamp, marker and header extensions, writes each packet straight into its slot of the
/// retransmission history (no per-packet allocation), hands it to the send callback, and answers NACKs from the history,
/// as RTX when negotiated.
/// </summary>
/// <remarks>
/// The RTP timestamp is <c>InitialTimestamp + frame.Timestamp</c> (frame timestamps are already in clock-rate units).
/// Not thread-safe: frames and NACKs must come from one loop (the media clock / the transport's RTCP loop serialised).
/// </remarks>
public sealed class RtpStreamSender : IEncodedFrameSink
{
    private static readonly PayloadSink<RtpStreamSender> WritePayload = static (self, prefix, body, last) => self.WritePacket(prefix, body, last);

    private readonly RtpStreamSenderOptions _options;
    private readonly IPayloader _payloader;
    private readonly RtpPacketHandler _send;
    private readonly TimeProvider _time;
    private readonly TransportSequenceCounter? _transportSequence;
    private readonly RtpPacketHistory? _history;
    private readonly byte[] _scratch;
    private readonly byte[] _mid;
    private readonly long _startTimestamp;
    private readonly uint _timestampOffset;
    private ushort _sequence;
    private bool _budgetWindowStarted;
    private long _budgetWindowStart;
    private long _originalBytesThisWindow;
    private long _originalBytesLastWindow;
    private long _resentBytesThisWindow;
    private ushort _rtxSequence;
    private uint _frameTimestamp;

    // The last frames' (RTP timestamp, send time): a sender report maps "now" from the frame sent closest to its due time.
    private const int MappingWindow = 32;
    private readonly uint[] _recentRtp = new uint[MappingWindow];
    private readonly long[] _recentSent = new long[MappingWindow];
    private int _recentCount;
    private int _recentNext;

    public RtpStreamSender(
        RtpStreamSenderOptions options, IPayloader payloader, RtpPacketHandler send, TimeProvider time, TransportSequenceCounter? transportSequence = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(payloader);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _payloader = payloader;
        _send = send;
        _time = time;
        _transportSequence = options.TransportSequenceId != 0 ? transportSequence ?? new TransportSequenceCounter() : null;
        var bufferSize = options.MaxPacketSize + options.TrailerReserve;
        _history = options.HistorySize > 0 ? new RtpPacketHistory(options.HistorySize, bufferSize, time, options.HistoryRetention) : null;
        _scratch = new byte[bufferSize + RtxPacket.OsnSize];
        _mid = options.Mid is null ? [] : Encoding.ASCII.GetBytes(options.Mid);
        _sequence = options.InitialSequenceNumber ?? (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        _rtxSequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        _timestampOffset = options.InitialTimestamp ?? (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        _startTimestamp = time.GetTimestamp();
    }

    public uint Ssrc => _options.Ssrc;

    /// <summary>The sequence number the next packet will carry.</summary>
    public ushort NextSequenceNumber => _sequence;

    /// <summary>
    /// Takes the next sequence number for a packet a writer-chain stage adds to this stream (a ULPFEC packet shares the
    /// media's sequence space, RFC 5109 §9): call it from within the writer chain, on the stream's thread, so the number
    /// is not the next media packet's. The packet is not kept for retransmission.
    /// </summary>
    public ushort ReserveSequenceNumber() => _sequence++;

    public long PacketsSent { get; private set; }

    /// <summary>Payload octets sent (RFC 3550 SR "sender's octet count": headers and padding excluded).</summary>
    public long PayloadOctetsSent { get; private set; }

    public long FramesSent { get; private set; }
    public long Retransmissions { get; private set; }
    public long RetransmissionMisses { get; private set; }

    /// <summary>NACKed packets not resent because they were resent less than one RTT ago (this covers duplicates within one NACK).</summary>
    public long RetransmissionsSuppressed { get; private set; }

    /// <summary>NACKed packets not resent because the window's retransmission byte budget was spent.</summary>
    public long RetransmissionsOverBudget { get; private set; }

    /// <summary>Bytes resent for NACKs (RTX included).</summary>
    public long RetransmittedBytes { get; private set; }

    /// <summary>
    /// The last measured round-trip time (from the peer's receiver reports); a packet is resent at most once per RTT.
    /// Null until measured: <see cref="DefaultResendInterval"/> applies.
    /// </summary>
    public TimeSpan? RoundTripTime { get; set; }

    /// <summary>Resend interval while the RTT is unknown.</summary>
    public static readonly TimeSpan DefaultResendInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The resend interval never goes below this, whatever RTT is reported.</summary>
    public static readonly TimeSpan MinResendInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>The retransmission byte budget is counted per window of this length.</summary>
    public static readonly TimeSpan BudgetWindow = TimeSpan.FromSeconds(1);

    /// <summary>RTP timestamp of the last frame sent, and when (TimeProvider timestamp), for the SR.</summary>
    public uint LastRtpTimestamp { get; private set; }
    public long LastSendTimestamp { get; private set; }

    public void OnFrame(in EncodedFrame frame) => SendFrame(frame.Data.Span, frame.Timestamp);

    /// <summary>Packetizes and sends one frame; returns the number of packets sent.</summary>
    public int SendFrame(ReadOnlySpan<byte> frame, long timestamp)
    {
        _frameTimestamp = unchecked((uint)(_timestampOffset + timestamp));
        // Leave room for the OSN so a retransmission as RTX stays within MaxPacketSize.
        var maxPayload = _options.MaxPacketSize - HeaderTemplate(assignTransportSequence: false).GetSize() - (_options.RtxSsrc is null ? 0 : RtxPacket.OsnSize);
        var packets = _payloader.Payload(maxPayload, frame, WritePayload, this);
        if (packets > 0)
        {
            FramesSent++;
            LastRtpTimestamp = _frameTimestamp;
            LastSendTimestamp = _time.GetTimestamp();
            _recentRtp[_recentNext] = _frameTimestamp;
            _recentSent[_recentNext] = LastSendTimestamp;
            _recentNext = (_recentNext + 1) % MappingWindow;
            _recentCount = Math.Min(_recentCount + 1, MappingWindow);
        }

        return packets;
    }

    /// <summary>Resends packet <paramref name="sequenceNumber"/> from the history (as RTX when negotiated). False when it is gone.</summary>
    public bool Retransmit(ushort sequenceNumber)
    {
        if (_history is null || !_history.TryGet(sequenceNumber, out var original))
        {
            RetransmissionMisses++;
            return false;
        }

        if (_options.RtxSsrc is { } rtxSsrc && _options.RtxPayloadType is { } rtxPayloadType)
        {
            var header = HeaderTemplate(assignTransportSequence: true);
            header.Ssrc = rtxSsrc;
            header.PayloadType = rtxPayloadType;
            header.SequenceNumber = _rtxSequence;
            if (!RtxPacket.TryBuild(original, header, _scratch, out var written))
            {
                RetransmissionMisses++;
                return false;
            }

            _rtxSequence++;
            _send(_scratch.AsSpan(0, written));
        }
        else
        {
            _send(original);
        }

        Retransmissions++;
        return true;
    }

    /// <summary>
    /// Sends one padding packet for a bandwidth probe to <paramref name="writer"/>: an RTX resend of a recent packet from
    /// the history, as Chrome pads ("payload padding": a receiver takes it as a retransmission it already has, and its
    /// transport-cc feedback reports it like any packet). Walks back from the newest packet, one further each call, and
    /// starts again from the newest after <see cref="PaddingDepth"/>. Not counted as a retransmission, nor against the
    /// NACK budget. Returns the packet's size, 0 without RTX or history.
    /// </summary>
    public int SendPadding(RtpPacketHandler writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_history is null || _options.RtxSsrc is not { } rtxSsrc || _options.RtxPayloadType is not { } rtxPayloadType || PacketsSent == 0)
        {
            return 0;
        }

        for (var tries = 0; tries < PaddingDepth; tries++)
        {
            if (_paddingBack >= PaddingDepth || _paddingBack >= PacketsSent)
            {
                _paddingBack = 0;
            }

            var sequence = unchecked((ushort)(_sequence - 1 - _paddingBack));
            _paddingBack++;
            if (!_history.TryGet(sequence, out var original))
            {
                continue;
            }

            var header = HeaderTemplate(assignTransportSequence: true);
            header.Ssrc = rtxSsrc;
            header.PayloadType = rtxPayloadType;
            header.SequenceNumber = _rtxSequence;
            if (!RtxPacket.TryBuild(original, header, _scratch, out var written))
            {
                continue;
            }

            _rtxSequence++;
            PaddingPacketsSent++;
            writer(_scratch.AsSpan(0, written));
            return written;
        }

        return 0;
    }

    /// <summary>How far back from the newest packet probe padding resends before it starts again from the newest.</summary>
    public const int PaddingDepth = 64;

    private int _paddingBack;

    /// <summary>Probe padding packets sent (<see cref="SendPadding"/>).</summary>
    public long PaddingPacketsSent { get; private set; }

    /// <summary>
    /// Resends the sequence numbers a NACK names; returns how many were resent. A NACK is remote input: one 1,212-byte NACK
    /// names up to 5,100 numbers, so each packet is resent at most once per RTT (which also drops duplicates within the
    /// NACK), and all resends of a <see cref="BudgetWindow"/> stay within <see cref="RtpStreamSenderOptions.RetransmissionBudgetRatio"/>
    /// of the bytes the stream sent.
    /// </summary>
    public int OnNack(GenericNack nack)
    {
        ArgumentNullException.ThrowIfNull(nack);
        var now = _time.GetTimestamp();
        RollBudgetWindow(now);
        var resent = 0;
        for (var p = 0; p < nack.Pairs.Count; p++)
        {
            var pair = nack.Pairs[p];
            resent += ResendForNack(pair.PacketId, now) ? 1 : 0;
            for (var bit = 0; bit < 16; bit++)
            {
                if ((pair.LostBitmask & (1 << bit)) != 0)
                {
                    resent += ResendForNack((ushort)(pair.PacketId + bit + 1), now) ? 1 : 0;
                }
            }
        }

        return resent;
    }

    private bool ResendForNack(ushort sequenceNumber, long now)
    {
        if (_history is null || !_history.TryGet(sequenceNumber, out var original))
        {
            RetransmissionMisses++;
            return false;
        }

        var interval = RoundTripTime is { } rtt ? (rtt < MinResendInterval ? MinResendInterval : rtt) : DefaultResendInterval;
        if (_history.ResentWithin(sequenceNumber, now, interval))
        {
            RetransmissionsSuppressed++;
            return false;
        }

        var budget = Math.Max(2L * _options.MaxPacketSize,
            (long)(_options.RetransmissionBudgetRatio * Math.Max(_originalBytesThisWindow, _originalBytesLastWindow)));
        if (_resentBytesThisWindow + original.Length > budget)
        {
            RetransmissionsOverBudget++;
            return false;
        }

        var length = original.Length;
        if (!Retransmit(sequenceNumber))
        {
            return false;
        }

        _history.MarkResent(sequenceNumber, now);
        _resentBytesThisWindow += length;
        RetransmittedBytes += length;
        return true;
    }

    private void RollBudgetWindow(long now)
    {
        if (!_budgetWindowStarted)
        {
            _budgetWindowStarted = true;
            _budgetWindowStart = now;
            return;
        }

        var elapsed = _time.GetElapsedTime(_budgetWindowStart, now);
        if (elapsed < BudgetWindow)
        {
            return;
        }

        // A window or more has passed: the previous window is the last complete one, or nothing when idle longer.
        _originalBytesLastWindow = elapsed < BudgetWindow * 2 ? _originalBytesThisWindow : 0;
        _originalBytesThisWindow = 0;
        _resentBytesThisWindow = 0;
        _budgetWindowStart = now;
    }

    /// <summary>An SR for this stream at <paramref name="now"/>, extrapolating the RTP timestamp from the last frame sent.</summary>
    /// <summary>
    /// A sender report for now. Its RTP timestamp is extrapolated from the recent frame that left closest to its due time
    /// (the largest extrapolation): frames leave on time or late, never early, so a frame sent late (a busy core, a
    /// paced burst) would otherwise map "now" to an older media time and shift the receiver's A/V sync by the delay.
    /// </summary>
    public SenderReport CreateSenderReport(int clockRate, IReadOnlyList<ReportBlock>? blocks = null)
    {
        var now = _time.GetTimestamp();
        return new SenderReport
        {
            Ssrc = _options.Ssrc,
            NtpTimestamp = NtpTime.Now(_time),
            RtpTimestamp = RtpTimestampAt(now, clockRate),
            PacketCount = unchecked((uint)PacketsSent),
            OctetCount = unchecked((uint)PayloadOctetsSent),
            ReportBlocks = blocks ?? [],
        };
    }

    private uint RtpTimestampAt(long now, int clockRate)
    {
        if (_recentCount == 0)
        {
            return LastRtpTimestamp;
        }

        var best = Extrapolate(LastRtpTimestamp, LastSendTimestamp, now, clockRate);
        for (var i = 0; i < _recentCount; i++)
        {
            var candidate = Extrapolate(_recentRtp[i], _recentSent[i], now, clockRate);
            if (unchecked((int)(candidate - best)) > 0)
            {
                best = candidate;
            }
        }

        return best;
    }

    private uint Extrapolate(uint rtp, long sentAt, long now, int clockRate) =>
        unchecked(rtp + (uint)(_time.GetElapsedTime(sentAt, now).TotalSeconds * clockRate));

    private RtpHeader HeaderTemplate(bool assignTransportSequence) => new()
    {
        Ssrc = _options.Ssrc,
        PayloadType = _options.PayloadType,
        Timestamp = _frameTimestamp,
        Extensions = new RtpHeaderExtensionSet
        {
            AbsSendTimeId = _options.AbsSendTimeId,
            AbsSendTime = _options.AbsSendTimeId == 0 ? 0 : AbsSendTime.FromElapsed(_time.GetElapsedTime(_startTimestamp)),
            TransportSequenceId = _options.TransportSequenceId,
            TransportSequenceNumber = !assignTransportSequence || _transportSequence is null ? (ushort)0 : _transportSequence.Next(),
            MidId = _options.MidId,
            Mid = _mid,
        },
    };

    private void WritePacket(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, bool isLastOfFrame)
    {
        var sequence = _sequence++;
        var header = HeaderTemplate(assignTransportSequence: true);
        header.SequenceNumber = sequence;
        header.Marker = isLastOfFrame;
        var buffer = _history is null ? _scratch : _history.Rent(sequence);
        if (!header.TryWrite(buffer, out var offset) || buffer.Length < offset + prefix.Length + body.Length)
        {
            return;
        }

        prefix.CopyTo(buffer[offset..]);
        body.CopyTo(buffer[(offset + prefix.Length)..]);
        var length = offset + prefix.Length + body.Length;
        _history?.Commit(sequence, length);
        if (_history is not null)
        {
            RollBudgetWindow(_history.LastRentAt);
            _originalBytesThisWindow += length;
        }

        PacketsSent++;
        PayloadOctetsSent += prefix.Length + body.Length;
        _send(buffer[..length]);
    }
}
