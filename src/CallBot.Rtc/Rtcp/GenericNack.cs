using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>One NACK FCI entry: packet id plus a bitmask of the 16 following lost packets (RFC 4585 §6.2.1).</summary>
/// <param name="PacketId">PID: a lost sequence number.</param>
/// <param name="LostBitmask">BLP: bit i set means PID + i + 1 is lost too.</param>
public readonly record struct NackPair(ushort PacketId, ushort LostBitmask);

/// <summary>
/// Generic NACK (RFC 4585 §6.2.1): transport-layer feedback naming lost RTP sequence numbers.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=1   |  PT=RTPFB=205 |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            PID                |             BLP               |   (one or more)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public sealed record GenericNack : IRtcpPacket<GenericNack>
{
    private const int FixedSize = 12;
    private const int PairSize = 4;
    private const int BitmaskBits = 16;

    public uint SenderSsrc { get; init; }
    public uint MediaSsrc { get; init; }
    public IReadOnlyList<NackPair> Pairs { get; init; } = [];

    /// <summary>Builds the shortest pair list for <paramref name="lost"/> (sequence numbers in send order, wrap allowed).</summary>
    public static GenericNack FromSequenceNumbers(uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lost)
    {
        var pairs = new List<NackPair>();
        var i = 0;
        while (i < lost.Length)
        {
            var pid = lost[i];
            ushort mask = 0;
            i++;
            while (i < lost.Length)
            {
                var distance = (ushort)(lost[i] - pid);
                if (distance == 0)
                {
                    i++;
                    continue;
                }

                if (distance > BitmaskBits)
                {
                    break;
                }

                mask |= (ushort)(1 << (distance - 1));
                i++;
            }

            pairs.Add(new NackPair(pid, mask));
        }

        return new GenericNack { SenderSsrc = senderSsrc, MediaSsrc = mediaSsrc, Pairs = pairs };
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out GenericNack? nack, out RtcpDropReason reason)
    {
        nack = null;
        if (!RtcpHeader.TryParseExpected(packet, RtcpPacketType.TransportFeedback, RtcpPacketType.FormatGenericNack, FixedSize + PairSize, out _, out var length, out reason))
        {
            return false;
        }

        var count = (length - FixedSize) / PairSize;
        var pairs = new NackPair[count];
        for (var i = 0; i < count; i++)
        {
            var at = FixedSize + (i * PairSize);
            pairs[i] = new NackPair(BinaryPrimitives.ReadUInt16BigEndian(packet[at..]), BinaryPrimitives.ReadUInt16BigEndian(packet[(at + 2)..]));
        }

        nack = new GenericNack
        {
            SenderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            MediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]),
            Pairs = pairs,
        };
        return true;
    }

    /// <summary>Writes every lost sequence number into <paramref name="destination"/>; returns how many were written (at most its length).</summary>
    public int CopyLostSequenceNumbers(Span<ushort> destination)
    {
        var n = 0;
        for (var p = 0; p < Pairs.Count; p++)
        {
            var pair = Pairs[p];
            if (n < destination.Length)
            {
                destination[n++] = pair.PacketId;
            }

            for (var bit = 0; bit < BitmaskBits && n < destination.Length; bit++)
            {
                if ((pair.LostBitmask & (1 << bit)) != 0)
                {
                    destination[n++] = (ushort)(pair.PacketId + bit + 1);
                }
            }
        }

        return n;
    }

    public int GetSize() => FixedSize + (Pairs.Count * PairSize);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || Pairs.Count == 0)
        {
            return false;
        }

        RtcpHeader.For(RtcpPacketType.TransportFeedback, RtcpPacketType.FormatGenericNack, size).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], SenderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], MediaSsrc);
        for (var i = 0; i < Pairs.Count; i++)
        {
            var at = FixedSize + (i * PairSize);
            BinaryPrimitives.WriteUInt16BigEndian(destination[at..], Pairs[i].PacketId);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(at + 2)..], Pairs[i].LostBitmask);
        }

        written = size;
        return true;
    }
}
