namespace CallBot.Rtc.Turn;

/// <summary>STUN attributes that TURN adds (RFC 8656 §18, IANA "STUN Attributes").</summary>
public static class TurnAttributeType
{
    public const ushort ChannelNumber = 0x000C;
    public const ushort Lifetime = 0x000D;
    public const ushort XorPeerAddress = 0x0012;
    public const ushort Data = 0x0013;
    public const ushort XorRelayedAddress = 0x0016;
    public const ushort RequestedAddressFamily = 0x0017;
    public const ushort EvenPort = 0x0018;
    public const ushort RequestedTransport = 0x0019;
    public const ushort DontFragment = 0x001A;
    public const ushort ReservationToken = 0x0022;

    /// <summary>REQUESTED-TRANSPORT protocol number for UDP (RFC 8656 §18.7: IANA protocol 17).</summary>
    public const byte ProtocolUdp = 17;
}
