namespace CallBot.Rtc.Stun;

/// <summary>STUN message class (RFC 8489 §5): the C1/C0 bits of the message type.</summary>
public enum StunClass : byte
{
    Request = 0,
    Indication = 1,
    SuccessResponse = 2,
    ErrorResponse = 3,
}

/// <summary>STUN methods (IANA "STUN Methods" registry).</summary>
public enum StunMethod : ushort
{
    Binding = 0x001,
    Allocate = 0x003,
    Refresh = 0x004,
    Send = 0x006,
    Data = 0x007,
    CreatePermission = 0x008,
    ChannelBind = 0x009,
}

/// <summary>Encodes and decodes the 14-bit message type: M11..M7 C1 M6..M4 C0 M3..M0.</summary>
public static class StunMessageType
{
    private const ushort ClassBit0 = 0x0010;
    private const ushort ClassBit1 = 0x0100;
    private const ushort MethodLowMask = 0x000F;
    private const ushort MethodMidMask = 0x0070;
    private const ushort MethodHighMask = 0x0F80;

    public const ushort BindingRequest = 0x0001;
    public const ushort BindingIndication = 0x0011;
    public const ushort BindingSuccess = 0x0101;
    public const ushort BindingError = 0x0111;

    public static ushort Encode(StunMethod method, StunClass cls)
    {
        var m = (ushort)method;
        var type = (ushort)((m & MethodLowMask) | ((m & MethodMidMask) << 1) | ((m & MethodHighMask) << 2));
        if (((int)cls & 1) != 0)
        {
            type |= ClassBit0;
        }

        if (((int)cls & 2) != 0)
        {
            type |= ClassBit1;
        }

        return type;
    }

    public static StunClass GetClass(ushort type) =>
        (StunClass)(((type & ClassBit0) != 0 ? 1 : 0) | ((type & ClassBit1) != 0 ? 2 : 0));

    public static StunMethod GetMethod(ushort type) =>
        (StunMethod)((type & MethodLowMask) | ((type >> 1) & MethodMidMask) | ((type >> 2) & MethodHighMask));
}
