namespace CallBot.Rtc.Stun;

/// <summary>Fixed numbers of the STUN header (RFC 8489 §5).</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Transaction ID (96 bits)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public static class StunConstants
{
    public const int HeaderSize = 20;
    public const int AttributeHeaderSize = 4;
    public const uint MagicCookie = 0x2112A442;
    public const int TransactionIdSize = 12;
    public const int TypeOffset = 0;
    public const int LengthOffset = 2;
    public const int CookieOffset = 4;
    public const int TransactionIdOffset = 8;

    /// <summary>HMAC-SHA1 output carried in MESSAGE-INTEGRITY (RFC 8489 §14.5).</summary>
    public const int MessageIntegritySize = 20;

    /// <summary>Full HMAC-SHA256 output; RFC 8489 §14.6 allows truncation down to 16 bytes.</summary>
    public const int MessageIntegritySha256MaxSize = 32;
    public const int MessageIntegritySha256MinSize = 16;

    public const int FingerprintSize = 4;

    /// <summary>RFC 8489 §14.7: the CRC-32 is XOR'ed with 0x5354554e ("STUN").</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>Largest message we build or accept; a datagram never exceeds the UDP MTU we use.</summary>
    public const int MaxMessageSize = 1500;
}
