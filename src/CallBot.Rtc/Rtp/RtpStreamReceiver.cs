using CallBot.Abstractions;
using CallBot.Rtc.Rtcp;

namespace CallBot.Rtc.Rtp;

/// <summary>
/// One incoming RTP stream (one SSRC): RFC 3550 reception statistics (jitter, cumulative and fractional loss, extended highest
/// sequence), and a jitter buffer that puts packets back in order, waits a bounded time for missing ones (NACK recovery,
/// RTX included), then accepts the gap and releases what follows to an <see cref="IRtpPayloadConsumer"/>.
/// </summary>
/// <remarks>
/// <para>The packet that is next in order goes straight to the consumer; only packets that arrive after a gap are copied
/// into a slot. Slot buffers come from a spare list the receiver owns and go back to it when released, so a clean stream
/// holds no buffers, a lossy one holds as many as it ever had waiting at once, and receiving does not allocate once warm.
/// Call <see cref="Poll"/> from the transport's timer (every 10-20 ms) so gaps are given up on even when no more packets
/// arrive; times come from TimeProvider.</para>
/// <para>Not thread-safe: call from the single receive loop.</para>
/// </remarks>
public sealed class RtpStreamReceiver
{
    private const int JitterDivisor = 16;

    private readonly RtpStreamReceiverOptions _options;
    private readonly IRtpPayloadConsumer _consumer;
    private readonly IRtpGapJudge? _judge;
    private readonly TimeProvider _time;
    private readonly SequenceUnwrapper _unwrapper = new();
    private readonly Slot?[] _slots;   // created on first use: a clean stream never needs one
    private readonly int _mask;
    private readonly SpareBuffers _spare;
    private bool _started;
    private long _next;            // next sequence to release
    private long _highest;         // highest sequence received
    private long _base;            // first sequence received
    private long _expectedPrior;
    private long _receivedPrior;
    private long _receivedUnrepaired;  // packets that arrived on the stream itself, not repaired (what the report blocks count)
    private long _lastTransit;
    private bool _hasTransit;
    private double _jitter;
    private uint _lastSenderReport;
    private long _lastSenderReportArrival;

    /// <summary>How long a gap may wait for a retransmission; the peer connection raises it with the measured RTT.</summary>
    public TimeSpan MaxGapWait
    {
        get => _options.MaxGapWait;
        set => _options.MaxGapWait = value;
    }

    public RtpStreamReceiver(uint ssrc, RtpStreamReceiverOptions options, IRtpPayloadConsumer consumer, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(time);
        var capacity = options.ReorderCapacity;
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), capacity, "ReorderCapacity must be a power of two");
        }

        Ssrc = ssrc;
        _options = options;
        _consumer = consumer;
        _judge = consumer as IRtpGapJudge;
        _time = time;
        _slots = new Slot?[capacity];
        _spare = new SpareBuffers(options.MaxPayloadSize);
        _mask = capacity - 1;
    }

    public uint Ssrc { get; }

    /// <summary>Slot buffers this receiver owns (holding packets plus spare): the most packets it ever held back at once.</summary>
    public int BuffersOwned => _spare.Owned;

    public long PacketsReceived { get; private set; }
    public long BytesReceived { get; private set; }
    public long Duplicates { get; private set; }
    public long TooLate { get; private set; }
    public long Recovered { get; private set; }

    /// <summary>Gaps the jitter buffer stopped waiting for, and the packets in them.</summary>
    public long GapsAccepted { get; private set; }
    public long PacketsGivenUp { get; private set; }

    /// <summary>
    /// Gaps released at once, without a wait, because the consumer (<see cref="IRtpGapJudge"/>) showed they held no media
    /// (the packet after them starts the frame right after the last complete one); their sequence numbers reach the
    /// consumer as empty payloads, as padding does.
    /// </summary>
    public long GapsSkipped { get; private set; }

    /// <summary>RFC 3550 interarrival jitter in RTP timestamp units.</summary>
    public uint Jitter => (uint)_jitter;

    /// <summary>Highest sequence received with its cycle count (RFC 3550 "extended highest sequence number").</summary>
    public uint ExtendedHighestSequence => unchecked((uint)_highest);

    /// <summary>Expected minus received since the first packet (RFC 3550 A.3); may be negative with duplicates.</summary>
    public long CumulativeLost => _started ? (_highest - _base + 1) - PacketsReceived : 0;

    /// <summary>Takes one RTP packet of this SSRC (already SRTP-unprotected).</summary>
    public bool Receive(ReadOnlySpan<byte> packet, out RtpDropReason reason)
    {
        if (!RtpHeader.TryParse(packet, out var header, out var headerLength, out reason))
        {
            return false;
        }

        return Accept(header, packet[headerLength..^header.PaddingLength], isRetransmission: false, out reason);
    }

    /// <summary>Takes an RTX packet (RFC 4588) for this stream: the OSN becomes the sequence number, with this stream's SSRC and payload type.</summary>
    public bool ReceiveRtx(ReadOnlySpan<byte> packet, byte mediaPayloadType, out RtpDropReason reason)
    {
        if (!RtpHeader.TryParse(packet, out var header, out var headerLength, out reason))
        {
            return false;
        }

        if (!RtxPacket.TryUnwrap(packet[headerLength..^header.PaddingLength], out var osn, out var payload))
        {
            reason = RtpDropReason.BadPayload;
            return false;
        }

        header.SequenceNumber = osn;
        header.Ssrc = Ssrc;
        header.PayloadType = mediaPayloadType;
        header.HasExtension = false;
        return Accept(header, payload, isRetransmission: true, out reason);
    }

    /// <summary>Gives up on gaps older than <see cref="RtpStreamReceiverOptions.MaxGapWait"/> and releases what follows.</summary>
    public void Poll()
    {
        var now = _time.GetTimestamp();
        while (_started && _next <= _highest)
        {
            var waiting = FirstHeldAfterGap();
            if (waiting < 0 || _time.GetElapsedTime(_slots[waiting & _mask]!.ArrivalTimestamp, now) < _options.MaxGapWait)
            {
                return;
            }

            SkipTo(waiting);
            Release();
            SkipGapsWithoutMedia();
        }
    }

    /// <summary>Writes the sequence numbers still missing between the next expected and the highest received; returns the count.</summary>
    public int GetMissing(Span<ushort> destination)
    {
        var n = 0;
        for (var s = _next; _started && s < _highest && n < destination.Length; s++)
        {
            if (!Holds(s))
            {
                destination[n++] = (ushort)s;
            }
        }

        return n;
    }

    /// <summary>Notes an SR from this source for the LSR/DLSR fields of the next report block.</summary>
    public void OnSenderReport(SenderReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _lastSenderReport = NtpTime.Middle32(report.NtpTimestamp);
        _lastSenderReportArrival = _time.GetTimestamp();
    }

    /// <summary>
    /// A report block for this source (RFC 3550 §6.4.1, A.3); resets the fraction-lost interval. Lost and fraction lost
    /// count the network's loss: a packet repaired by RTX is not "received" here, as libwebrtc leaves recovered packets
    /// out of its receive statistics (packets rebuilt by the fec stage still enter as ordinary packets and count). The sender sizes its FEC and its loss-based bandwidth estimate from these fields;
    /// counting repairs hid most of the loss from it (Chromium sent the bot a fifth of the FEC it sends a Chromium).
    /// </summary>
    public ReportBlock CreateReportBlock()
    {
        var expected = _started ? _highest - _base + 1 : 0;
        var expectedInterval = expected - _expectedPrior;
        var receivedInterval = _receivedUnrepaired - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = _receivedUnrepaired;
        var lostInterval = expectedInterval - receivedInterval;
        var fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
        var delay = _lastSenderReport == 0 ? 0u : NtpTime.ToShortDuration(_time.GetElapsedTime(_lastSenderReportArrival));
        return new ReportBlock(
            Ssrc,
            (byte)fraction,
            (int)Math.Clamp(expected - _receivedUnrepaired, int.MinValue, int.MaxValue),
            ExtendedHighestSequence,
            Jitter,
            _lastSenderReport,
            delay);
    }

    private bool Accept(RtpHeader header, ReadOnlySpan<byte> payload, bool isRetransmission, out RtpDropReason reason)
    {
        reason = RtpDropReason.None;
        if (payload.Length > _options.MaxPayloadSize)
        {
            reason = RtpDropReason.BadPayload;
            return false;
        }

        var sequence = _unwrapper.Unwrap(header.SequenceNumber);
        var now = _time.GetTimestamp();
        if (!_started)
        {
            _started = true;
            _next = sequence;
            _base = sequence;
            _highest = sequence;
        }

        if (sequence < _next)
        {
            reason = RtpDropReason.TooOld;
            TooLate++;
            return false;
        }

        if (Holds(sequence))
        {
            reason = RtpDropReason.Duplicate;
            Duplicates++;
            return false;
        }

        PacketsReceived++;
        BytesReceived += payload.Length;
        if (isRetransmission)
        {
            Recovered++;
        }
        else
        {
            _receivedUnrepaired++;
            UpdateJitter(header.Timestamp, now);
        }

        if (sequence > _highest)
        {
            _highest = sequence;
        }

        // Too far ahead for the buffer: accept the oldest gaps so the new packet has a slot.
        if (sequence - _next > _mask)
        {
            SkipTo(sequence - _mask);
            Release();
        }

        if (sequence == _next)
        {
            _next++;
            _consumer.OnRtpPayload(sequence, header, payload);
        }
        else
        {
            var slot = _slots[sequence & _mask] ??= new Slot();
            slot.Store(sequence, header, payload, now, slot.Buffer ?? _spare.Take());
        }

        Release();
        SkipGapsWithoutMedia();
        if (_options.MaxGapWait <= TimeSpan.Zero)
        {
            Poll();
        }

        return true;
    }

    private void UpdateJitter(uint timestamp, long now)
    {
        // RFC 3550 A.8: transit = arrival (in RTP units) − timestamp; J += (|D| − J) / 16.
        var arrival = (long)(_time.GetElapsedTime(0, now).TotalSeconds * _options.ClockRate);
        var transit = arrival - timestamp;
        if (_hasTransit)
        {
            var d = Math.Abs(transit - _lastTransit);
            if (d < int.MaxValue)
            {
                _jitter += (d - _jitter) / JitterDivisor;
            }
        }

        _lastTransit = transit;
        _hasTransit = true;
    }

    private void Release()
    {
        while (true)
        {
            if (!Holds(_next))
            {
                return;
            }

            var slot = _slots[_next & _mask]!;
            slot.Occupied = false;
            var sequence = _next++;
            _consumer.OnRtpPayload(sequence, slot.Header, slot.Payload);
            if (slot.Buffer is { } buffer)
            {
                slot.Buffer = null;
                _spare.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Releases every leading gap the consumer shows held no media. Without this, a lost ULPFEC packet's number (never
    /// retransmitted) held the next frames for the whole gap wait, then cost a keyframe. The judge looks at the first held
    /// packet that carries media: held empty ones before it (the other ULPFEC packets of the same frame, padding) are numbers
    /// without media too. Chromium sends several ULPFEC packets after a frame, so the packet right after a lost one was most
    /// often another empty one: judging that, 10 % loss cost a keyframe for each lost FEC packet (the bot assembled 40 % of
    /// Chromium's frames).
    /// </summary>
    private void SkipGapsWithoutMedia()
    {
        while (_judge is not null && _next <= _highest)
        {
            var media = FirstHeldAfterGap(media: true);
            if (media < 0 || !_judge.FollowsLastFrame(_slots[media & _mask]!.Payload))
            {
                return;
            }

            var header = _slots[media & _mask]!.Header;
            while (_next < media)
            {
                if (Holds(_next))
                {
                    Release(); // an empty packet, and any after it up to the next missing number
                }
                else
                {
                    _consumer.OnRtpPayload(_next++, header, []);
                }
            }

            GapsSkipped++;
            Release();
        }
    }

    private bool Holds(long sequence) => _slots[sequence & _mask] is { Occupied: true } slot && slot.Sequence == sequence;

    /// <summary>
    /// The first held packet at or after <c>_next</c> (with a payload only, when <paramref name="media"/>); -1 when none
    /// is held yet.
    /// </summary>
    private long FirstHeldAfterGap(bool media = false)
    {
        for (var s = _next; s <= _highest; s++)
        {
            if (Holds(s) && !(media && _slots[s & _mask]!.Payload.IsEmpty))
            {
                return s;
            }
        }

        return -1;
    }

    private void SkipTo(long sequence)
    {
        if (sequence <= _next)
        {
            return;
        }

        // Packets still held below the new start are released first, in order. Only the last Capacity
        // sequence numbers can be held, so a wild jump does not walk the whole gap.
        for (var s = Math.Max(_next, sequence - _slots.Length); s < sequence; s++)
        {
            if (Holds(s))
            {
                GiveUpUntil(s);
                Release();
            }
        }

        GiveUpUntil(sequence);
    }

    private void GiveUpUntil(long sequence)
    {
        if (sequence > _next)
        {
            GapsAccepted++;
            PacketsGivenUp += sequence - _next;
            _next = sequence;
        }
    }

    private sealed class Slot
    {
        private int _length;

        public bool Occupied { get; set; }
        public long Sequence { get; private set; }
        public RtpHeader Header { get; private set; }
        public long ArrivalTimestamp { get; private set; }
        public byte[]? Buffer { get; set; }
        public ReadOnlySpan<byte> Payload => Buffer.AsSpan(0, _length);

        public void Store(long sequence, RtpHeader header, ReadOnlySpan<byte> payload, long arrival, byte[] buffer)
        {
            Buffer = buffer;
            payload.CopyTo(buffer);
            _length = payload.Length;
            Sequence = sequence;
            Header = header;
            ArrivalTimestamp = arrival;
            Occupied = true;
        }
    }
}
