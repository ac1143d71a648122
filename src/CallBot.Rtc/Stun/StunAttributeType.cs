namespace CallBot.Rtc.Stun;

/// <summary>
/// STUN attribute numbers (IANA "STUN Attributes" registry). Types below 0x8000 are
/// comprehension-required, 0x8000 and above comprehension-optional (RFC 8489 §14).
/// Only the attributes of STUN itself: ICE's are in <see cref="Ice.IceAttributeType"/>, TURN's in <see cref="Turn.TurnAttributeType"/>.
/// </summary>
public static class StunAttributeType
{
    public const ushort MappedAddress = 0x0001;
    public const ushort Username = 0x0006;
    public const ushort MessageIntegrity = 0x0008;
    public const ushort ErrorCode = 0x0009;
    public const ushort UnknownAttributes = 0x000A;
    public const ushort Realm = 0x0014;
    public const ushort Nonce = 0x0015;
    public const ushort MessageIntegritySha256 = 0x001C;
    public const ushort PasswordAlgorithm = 0x001D;
    public const ushort Userhash = 0x001E;
    public const ushort XorMappedAddress = 0x0020;

    public const ushort PasswordAlgorithms = 0x8002;
    public const ushort AlternateDomain = 0x8003;
    public const ushort Software = 0x8022;
    public const ushort AlternateServer = 0x8023;
    public const ushort Fingerprint = 0x8028;

    public static bool IsComprehensionRequired(ushort type) => type < 0x8000;
}
