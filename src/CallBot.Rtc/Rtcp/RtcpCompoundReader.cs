namespace CallBot.Rtc.Rtcp;

/// <summary>One packet inside a compound datagram: its header and exactly its bytes (header included).</summary>
public readonly ref struct RtcpPacketView(RtcpHeader header, ReadOnlySpan<byte> bytes)
{
    public RtcpHeader Header { get; } = header;
    public ReadOnlySpan<byte> Bytes { get; } = bytes;
}

/// <summary>
/// Walks the packets of a compound (or reduced-size, RFC 5506) RTCP datagram without allocating.
/// Stops at the first malformed header and sets <see cref="Error"/>.
/// </summary>
/// <example><code>
/// var reader = new RtcpCompoundReader(datagram);
/// while (reader.MoveNext()) { var p = reader.Current; ... }
/// if (reader.Error != RtcpDropReason.None) { count the drop }
/// </code></example>
public ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _datagram;
    private int _offset;

    public RtcpCompoundReader(ReadOnlySpan<byte> datagram)
    {
        _datagram = datagram;
    }

    public RtcpPacketView Current { get; private set; }

    public RtcpDropReason Error { get; private set; }

    /// <summary>Packets returned so far.</summary>
    public int Count { get; private set; }

    public bool MoveNext()
    {
        if (_offset >= _datagram.Length || Error != RtcpDropReason.None)
        {
            return false;
        }

        var rest = _datagram[_offset..];
        if (!RtcpHeader.TryParse(rest, out var header, out var reason))
        {
            Error = reason;
            return false;
        }

        if (header.PacketLength > rest.Length)
        {
            Error = RtcpDropReason.LengthOverrun;
            return false;
        }

        // RFC 3550 §6.4.1: only the last packet of a compound may be padded.
        if (header.Padding && header.PacketLength != rest.Length)
        {
            Error = RtcpDropReason.BadPadding;
            return false;
        }

        Current = new RtcpPacketView(header, rest[..header.PacketLength]);
        _offset += header.PacketLength;
        Count++;
        return true;
    }
}
