namespace CallBot.Rtc.Rtcp;

/// <summary>An RTCP packet of a (type, FMT) CallBot does not interpret (APP, XR, ...), kept as its bytes.</summary>
public sealed record RawRtcpPacket(RtcpHeader Header, ReadOnlyMemory<byte> Bytes) : IRtcpPacket
{
    /// <summary>Copies one packet (header included, exactly its length) out of a datagram.</summary>
    public static RawRtcpPacket Copy(RtcpHeader header, ReadOnlySpan<byte> packet) => new(header, packet.ToArray());

    public int GetSize() => Bytes.Length;

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < Bytes.Length)
        {
            return false;
        }

        Bytes.Span.CopyTo(destination);
        written = Bytes.Length;
        return true;
    }
}
