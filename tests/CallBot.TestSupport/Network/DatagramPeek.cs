using System.Buffers.Binary;

namespace CallBot.TestSupport.Network;

/// <summary>
/// Header-only looks at relayed datagrams for <see cref="DatagramPredicate"/>s. Only headers: SRTP payloads are
/// encrypted, so a "keyframe" predicate has to go by payload type, marker, SSRC, sequence number or size.
/// Classification by first byte follows RFC 7983 §7: 0–3 STUN, 20–63 DTLS, 128–191 RTP/RTCP.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                             SSRC                              |
/// </code>
/// </remarks>
public static class DatagramPeek
{
    private const int RtpHeaderSize = 12;
    private const byte RtpFirstByteMin = 128;
    private const byte RtpFirstByteMax = 191;
    private const byte MarkerMask = 0x80;
    private const byte PayloadTypeMask = 0x7F;
    private const int SequenceOffset = 2;
    private const int SsrcOffset = 8;

    // With rtcp-mux, RTCP packet types 192–223 show up in the second byte; RFC 5761 §4 keeps RTP PTs out of 64–95.
    private const int RtcpMarkerAndTypeMin = 192;
    private const int RtcpMarkerAndTypeMax = 223;

    public static bool IsStun(ReadOnlySpan<byte> datagram) => datagram.Length >= 20 && datagram[0] <= 3;

    public static bool IsDtls(ReadOnlySpan<byte> datagram) => datagram.Length > 0 && datagram[0] is >= 20 and <= 63;

    /// <summary>RTP, not RTCP (version 2 first byte and a second byte outside the RTCP range).</summary>
    public static bool IsRtp(ReadOnlySpan<byte> datagram)
        => datagram.Length >= RtpHeaderSize
           && datagram[0] is >= RtpFirstByteMin and <= RtpFirstByteMax
           && datagram[1] is not (>= RtcpMarkerAndTypeMin and <= RtcpMarkerAndTypeMax);

    public static bool IsRtcp(ReadOnlySpan<byte> datagram)
        => datagram.Length >= 8
           && datagram[0] is >= RtpFirstByteMin and <= RtpFirstByteMax
           && datagram[1] is >= RtcpMarkerAndTypeMin and <= RtcpMarkerAndTypeMax;

    public static bool TryGetRtp(ReadOnlySpan<byte> datagram, out int payloadType, out bool marker, out ushort sequenceNumber, out uint ssrc)
    {
        if (!IsRtp(datagram))
        {
            payloadType = 0;
            marker = false;
            sequenceNumber = 0;
            ssrc = 0;
            return false;
        }

        payloadType = datagram[1] & PayloadTypeMask;
        marker = (datagram[1] & MarkerMask) != 0;
        sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(datagram[SequenceOffset..]);
        ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram[SsrcOffset..]);
        return true;
    }

    /// <summary>Predicate: RTP with this payload type (and, if given, this marker bit).</summary>
    public static DatagramPredicate Rtp(int payloadType, bool? marker = null)
        => datagram => TryGetRtp(datagram, out var pt, out var m, out _, out _) && pt == payloadType && (marker is null || m == marker);
}
