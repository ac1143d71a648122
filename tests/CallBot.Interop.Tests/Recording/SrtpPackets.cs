namespace CallBot.Interop.Tests.Recording;

/// <summary>Classifies datagrams by their clear-text first bytes (RFC 7983 demux; RTP header is not encrypted by SRTP).</summary>
internal static class SrtpPackets
{
    /// <summary>CallBot's offer: VP8/96 with RTX/97, H.264/102 with RTX/103.</summary>
    private const int Vp8RtxPayloadType = 97;
    private const int H264RtxPayloadType = 103;

    /// <summary>RTCP packet types 192..223 share the second byte's range with RTP PT + marker (RFC 5761 §4).</summary>
    private const int RtcpTypeFirst = 192;
    private const int RtcpTypeLast = 223;

    /// <summary>First byte 128..191: RTP or RTCP (RFC 7983 §7).</summary>
    public static bool IsRtpOrRtcp(ReadOnlySpan<byte> datagram) => datagram.Length >= 12 && datagram[0] is >= 128 and <= 191;

    public static bool IsRtp(ReadOnlySpan<byte> datagram) => IsRtpOrRtcp(datagram) && datagram[1] is < RtcpTypeFirst or > RtcpTypeLast;

    public static bool IsVideoRtx(ReadOnlySpan<byte> datagram) => IsRtp(datagram) && (datagram[1] & 0x7F) is Vp8RtxPayloadType or H264RtxPayloadType;
}
