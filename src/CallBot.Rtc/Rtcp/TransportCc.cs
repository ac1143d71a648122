using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>Packet status symbols of transport-wide CC feedback.</summary>
public enum TwccStatus
{
    NotReceived = 0,

    /// <summary>Received; delta is one unsigned byte (0..63.75 ms).</summary>
    SmallDelta = 1,

    /// <summary>Received; delta is a signed 16-bit value (may be negative).</summary>
    LargeDelta = 2,
}

/// <summary>The fate of one transport-wide sequence number. <paramref name="Delta"/> is in 250 µs units, relative to the previous received packet (or the reference time).</summary>
public readonly record struct TwccPacketResult(ushort SequenceNumber, TwccStatus Status, short Delta);

/// <summary>
/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      SSRC of media source                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      base sequence number     |      packet status count      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 reference time                | fb pkt. count |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          packet chunk         |  packet chunk ...             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         recv delta            |  recv delta ...| zero padding |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// Run length chunk:    |0| S (2) |      run length (13)      |
/// Status vector chunk: |1|s| symbol list (14 × 1 bit, or 7 × 2 bits when s=1) |
/// Reference time: signed 24-bit, 64 ms units. Deltas: 250 µs units.
/// </code>
/// Written with two-bit status vector chunks only, which every receiver must accept.
/// </remarks>
public sealed record TransportCc : IRtcpPacket<TransportCc>
{
    public const int DeltaMicroseconds = 250;
    public const int ReferenceTimeMilliseconds = 64;

    /// <summary>
    /// Most packet statuses one feedback may claim. A run-length chunk of 2 bytes claims up to 8,191 numbers, so without a
    /// limit a 24-byte packet would make the parser allocate for 65,535; a browser reports a few hundred per feedback.
    /// </summary>
    public const int MaxStatusCount = 8192;
    private const int FixedSize = 20;
    private const int ChunkSize = 2;
    private const int RunLengthMask = 0x1FFF;
    private const int TwoBitSymbolsPerChunk = 7;
    private const int OneBitSymbolsPerChunk = 14;

    // The setters are internal (not init) so a reusable instance (CreateReusable) can be refilled in place.
    public uint SenderSsrc { get; internal set; }

    public uint MediaSsrc { get; internal set; }

    public ushort BaseSequenceNumber { get; internal set; }

    /// <summary>Signed 24-bit, in 64 ms units.</summary>
    public int ReferenceTime { get; internal set; }

    public byte FeedbackPacketCount { get; internal set; }

    /// <summary>One entry per sequence number from <see cref="BaseSequenceNumber"/> on, in order.</summary>
    public IReadOnlyList<TwccPacketResult> Packets { get; internal set; } = [];

    /// <summary>
    /// A feedback that owns its packet list, for <see cref="TryParse(ReadOnlySpan{byte}, TransportCc, out RtcpDropReason)"/>
    /// and <see cref="BuildInto"/> to refill in place: once its list has grown to the largest feedback seen (at most
    /// <see cref="MaxStatusCount"/> entries) nothing is allocated per feedback. Valid until it is refilled.
    /// </summary>
    public static TransportCc CreateReusable(int capacity = 0) => new() { Packets = new List<TwccPacketResult>(Math.Min(capacity, MaxStatusCount)) };

    /// <summary>
    /// Builds feedback for sequence numbers <paramref name="baseSequence"/> onward. <paramref name="arrivalMicroseconds"/>[i] is
    /// the arrival time of packet base+i on the receiver's clock in microseconds, or a negative value when it was not received.
    /// Stops early (see <paramref name="consumed"/>) at a packet whose delta does not fit 16 bits; send the rest in the next feedback.
    /// </summary>
    /// <param name="results">
    /// A list to fill (cleared first) and hand to the feedback, so a builder reuses one list instead of allocating one per
    /// feedback; null = a new list. The feedback is then valid until the list is filled again.
    /// </param>
    public static TransportCc Build(
        uint senderSsrc,
        uint mediaSsrc,
        byte feedbackPacketCount,
        ushort baseSequence,
        ReadOnlySpan<long> arrivalMicroseconds,
        out int consumed,
        List<TwccPacketResult>? results = null)
    {
        var feedback = new TransportCc { Packets = results ?? new List<TwccPacketResult>(Math.Min(arrivalMicroseconds.Length, ushort.MaxValue)) };
        consumed = BuildInto(feedback, senderSsrc, mediaSsrc, feedbackPacketCount, baseSequence, arrivalMicroseconds);
        return feedback;
    }

    /// <summary>
    /// <see cref="Build"/> into <paramref name="feedback"/> (made by <see cref="CreateReusable"/>), refilled in place: nothing is
    /// allocated once its list has grown. Returns how many of <paramref name="arrivalMicroseconds"/> it reports (consumed).
    /// </summary>
    public static int BuildInto(
        TransportCc feedback,
        uint senderSsrc,
        uint mediaSsrc,
        byte feedbackPacketCount,
        ushort baseSequence,
        ReadOnlySpan<long> arrivalMicroseconds)
    {
        var packets = OwnedList(feedback);
        const long MicrosecondsPerReference = ReferenceTimeMilliseconds * 1000L;
        const int DeltasPerReference = ReferenceTimeMilliseconds * 1000 / DeltaMicroseconds;
        var count = Math.Min(arrivalMicroseconds.Length, ushort.MaxValue);
        var referenceTime = 0L;
        for (var i = 0; i < count; i++)
        {
            if (arrivalMicroseconds[i] >= 0)
            {
                referenceTime = arrivalMicroseconds[i] / MicrosecondsPerReference;
                break;
            }
        }

        // Deltas are taken between times rounded to 250 µs, so rounding errors do not add up.
        var previous = referenceTime * DeltasPerReference;
        packets.Clear();
        var consumed = 0;
        for (var i = 0; i < count; i++)
        {
            var sequence = (ushort)(baseSequence + i);
            if (arrivalMicroseconds[i] < 0)
            {
                packets.Add(new TwccPacketResult(sequence, TwccStatus.NotReceived, 0));
                consumed++;
                continue;
            }

            var ticks = arrivalMicroseconds[i] / DeltaMicroseconds;
            var delta = ticks - previous;
            if (delta is < short.MinValue or > short.MaxValue)
            {
                break;
            }

            packets.Add(new TwccPacketResult(sequence, delta is >= 0 and <= byte.MaxValue ? TwccStatus.SmallDelta : TwccStatus.LargeDelta, (short)delta));
            previous = ticks;
            consumed++;
        }

        // Trailing "not received" entries carry no information the next feedback will not repeat.
        while (packets.Count > 0 && packets[^1].Status == TwccStatus.NotReceived)
        {
            packets.RemoveAt(packets.Count - 1);
            consumed--;
        }

        feedback.SenderSsrc = senderSsrc;
        feedback.MediaSsrc = mediaSsrc;
        feedback.BaseSequenceNumber = baseSequence;
        feedback.ReferenceTime = (int)(referenceTime & 0xFFFFFF) << 8 >> 8;
        feedback.FeedbackPacketCount = feedbackPacketCount;
        return consumed;
    }

    /// <summary>Parses into a new feedback (allocates; tests and tools). The receive path uses the overload that refills one.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out TransportCc? feedback, out RtcpDropReason reason)
    {
        var parsed = CreateReusable();
        if (!TryParse(packet, parsed, out reason))
        {
            feedback = null;
            return false;
        }

        feedback = parsed;
        return true;
    }

    /// <summary>
    /// Parses into <paramref name="feedback"/> (made by <see cref="CreateReusable"/>), refilled in place; on failure its
    /// contents are undefined. Allocates nothing once its list has grown to the statuses claimed (≤ <see cref="MaxStatusCount"/>).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, TransportCc feedback, out RtcpDropReason reason)
    {
        var results = OwnedList(feedback);
        results.Clear();
        if (!RtcpHeader.TryParseExpected(packet, RtcpPacketType.TransportFeedback, RtcpPacketType.FormatTransportCc, FixedSize, out _, out var length, out reason))
        {
            return false;
        }

        var body = packet[..length];
        var baseSequence = BinaryPrimitives.ReadUInt16BigEndian(body[12..]);
        int statusCount = BinaryPrimitives.ReadUInt16BigEndian(body[14..]);
        if (statusCount > MaxStatusCount)
        {
            reason = RtcpDropReason.BadCount;
            return false;
        }

        var referenceTime = (body[16] << 16) | (body[17] << 8) | body[18];
        if ((referenceTime & 0x800000) != 0)
        {
            referenceTime |= unchecked((int)0xFF000000);
        }

        // Two passes over the chunks instead of a status array: the first finds where the deltas start, the second
        // reads each status with its delta.
        var offset = FixedSize;
        var filled = 0;
        while (filled < statusCount)
        {
            if (body.Length - offset < ChunkSize)
            {
                reason = RtcpDropReason.Malformed;
                return false;
            }

            filled += SymbolsIn(BinaryPrimitives.ReadUInt16BigEndian(body[offset..]), statusCount - filled);
            offset += ChunkSize;
        }

        var deltas = new DeltaReader(body, offset);
        offset = FixedSize;
        while (results.Count < statusCount)
        {
            var chunk = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
            offset += ChunkSize;
            var symbols = SymbolsIn(chunk, statusCount - results.Count);
            for (var i = 0; i < symbols; i++)
            {
                var status = SymbolAt(chunk, i);
                if (!deltas.TryRead(status, out var delta))
                {
                    reason = RtcpDropReason.Malformed;
                    return false;
                }

                results.Add(new TwccPacketResult((ushort)(baseSequence + results.Count), status, delta));
            }
        }

        feedback.SenderSsrc = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        feedback.MediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(body[8..]);
        feedback.BaseSequenceNumber = baseSequence;
        feedback.ReferenceTime = referenceTime;
        feedback.FeedbackPacketCount = body[19];
        return true;
    }

    public int GetSize()
    {
        var chunks = (Packets.Count + TwoBitSymbolsPerChunk - 1) / TwoBitSymbolsPerChunk;
        var deltas = 0;
        for (var i = 0; i < Packets.Count; i++)
        {
            deltas += Packets[i].Status switch
            {
                TwccStatus.SmallDelta => 1,
                TwccStatus.LargeDelta => 2,
                _ => 0,
            };
        }

        return (FixedSize + (chunks * ChunkSize) + deltas + 3) & ~3;
    }

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || Packets.Count > ushort.MaxValue || !DeltasFit())
        {
            return false;
        }

        destination[..size].Clear();
        RtcpHeader.For(RtcpPacketType.TransportFeedback, RtcpPacketType.FormatTransportCc, size).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], SenderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], MediaSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], BaseSequenceNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], (ushort)Packets.Count);
        destination[16] = (byte)(ReferenceTime >> 16);
        destination[17] = (byte)(ReferenceTime >> 8);
        destination[18] = (byte)ReferenceTime;
        destination[19] = FeedbackPacketCount;
        var offset = FixedSize;
        for (var start = 0; start < Packets.Count; start += TwoBitSymbolsPerChunk)
        {
            var chunk = 0xC000;
            for (var i = 0; i < TwoBitSymbolsPerChunk && start + i < Packets.Count; i++)
            {
                chunk |= (int)Packets[start + i].Status << ((TwoBitSymbolsPerChunk - 1 - i) * 2);
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], (ushort)chunk);
            offset += ChunkSize;
        }

        for (var i = 0; i < Packets.Count; i++)
        {
            var p = Packets[i];
            if (p.Status == TwccStatus.SmallDelta)
            {
                destination[offset++] = (byte)p.Delta;
            }
            else if (p.Status == TwccStatus.LargeDelta)
            {
                BinaryPrimitives.WriteInt16BigEndian(destination[offset..], p.Delta);
                offset += 2;
            }
        }

        written = size;
        return true;
    }

    private static List<TwccPacketResult> OwnedList(TransportCc feedback)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        return feedback.Packets as List<TwccPacketResult>
            ?? throw new ArgumentException("The feedback must own its packet list (TransportCc.CreateReusable).", nameof(feedback));
    }

    /// <summary>How many of the <paramref name="left"/> statuses still to read this chunk carries.</summary>
    private static int SymbolsIn(ushort chunk, int left) => Math.Min(
        (chunk & 0x8000) == 0 ? chunk & RunLengthMask : (chunk & 0x4000) == 0 ? OneBitSymbolsPerChunk : TwoBitSymbolsPerChunk,
        left);

    /// <summary>The <paramref name="index"/>th status of a chunk (a run-length chunk has the same one throughout).</summary>
    private static TwccStatus SymbolAt(ushort chunk, int index)
    {
        if ((chunk & 0x8000) == 0)
        {
            return (TwccStatus)((chunk >> 13) & 0x3);
        }

        return (chunk & 0x4000) == 0
            ? (TwccStatus)((chunk >> (OneBitSymbolsPerChunk - 1 - index)) & 0x1)
            : (TwccStatus)((chunk >> ((TwoBitSymbolsPerChunk - 1 - index) * 2)) & 0x3);
    }

    private bool DeltasFit()
    {
        for (var i = 0; i < Packets.Count; i++)
        {
            var p = Packets[i];
            if (p.Status == TwccStatus.SmallDelta && (p.Delta < 0 || p.Delta > byte.MaxValue))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads the receive deltas after the chunks, one per received status, within the packet.</summary>
    private ref struct DeltaReader(ReadOnlySpan<byte> body, int offset)
    {
        private readonly ReadOnlySpan<byte> _body = body;
        private int _offset = offset;

        public bool TryRead(TwccStatus status, out short delta)
        {
            delta = 0;
            switch (status)
            {
                case TwccStatus.NotReceived:
                    return true;
                case TwccStatus.SmallDelta when _offset + 1 <= _body.Length:
                    delta = _body[_offset++];
                    return true;
                case TwccStatus.LargeDelta when _offset + 2 <= _body.Length:
                    delta = BinaryPrimitives.ReadInt16BigEndian(_body[_offset..]);
                    _offset += 2;
                    return true;
                default:
                    // Status 3 is reserved; or the deltas end early.
                    return false;
            }
        }
    }
}
