using System.Buffers.Binary;

namespace CallBot.Rtc.Rtp;

/// <summary>
/// RTX retransmission payload format (RFC 4588 §4): the RTX packet has its own SSRC, payload type and sequence number,
/// the original timestamp and marker, and a payload made of the original sequence number (OSN) then the original payload.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP Header                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            OSN                |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
/// |                  Original RTP Packet Payload                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public static class RtxPacket
{
    public const int OsnSize = 2;

    /// <summary>
    /// Builds the RTX packet for <paramref name="original"/> (a whole RTP packet) into <paramref name="destination"/>.
    /// <paramref name="rtxHeader"/> supplies SSRC, payload type, sequence number and extensions; timestamp and marker are copied.
    /// </summary>
    public static bool TryBuild(ReadOnlySpan<byte> original, RtpHeader rtxHeader, Span<byte> destination, out int written)
    {
        written = 0;
        if (!RtpHeader.TryParse(original, out var header, out var headerLength, out _))
        {
            return false;
        }

        var payload = original[headerLength..^header.PaddingLength];
        rtxHeader.Timestamp = header.Timestamp;
        rtxHeader.Marker = header.Marker;
        rtxHeader.Padding = false;
        var size = rtxHeader.GetSize();
        if (destination.Length < size + OsnSize + payload.Length || !rtxHeader.TryWrite(destination, out var h))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[h..], header.SequenceNumber);
        payload.CopyTo(destination[(h + OsnSize)..]);
        written = h + OsnSize + payload.Length;
        return true;
    }

    /// <summary>Splits an RTX payload into the original sequence number and the original payload.</summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> rtxPayload, out ushort originalSequenceNumber, out ReadOnlySpan<byte> originalPayload)
    {
        if (rtxPayload.Length < OsnSize)
        {
            originalSequenceNumber = 0;
            originalPayload = default;
            return false;
        }

        originalSequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(rtxPayload);
        originalPayload = rtxPayload[OsnSize..];
        return true;
    }
}
