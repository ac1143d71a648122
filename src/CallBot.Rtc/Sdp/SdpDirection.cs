namespace CallBot.Rtc.Sdp;

/// <summary>Media direction from the point of view of the side that wrote the description (RFC 8866 §6.7).</summary>
[Flags]
public enum SdpDirection
{
    Inactive = 0,
    SendOnly = 1,
    RecvOnly = 2,
    SendRecv = SendOnly | RecvOnly,
}

public static class SdpDirectionNames
{
    public static string ToSdp(this SdpDirection direction) => direction switch
    {
        SdpDirection.SendRecv => SdpAttributeNames.SendRecv,
        SdpDirection.SendOnly => SdpAttributeNames.SendOnly,
        SdpDirection.RecvOnly => SdpAttributeNames.RecvOnly,
        _ => SdpAttributeNames.Inactive,
    };

    /// <summary>The same direction seen from the other side: sendonly ↔ recvonly.</summary>
    public static SdpDirection Reverse(this SdpDirection direction) => direction switch
    {
        SdpDirection.SendOnly => SdpDirection.RecvOnly,
        SdpDirection.RecvOnly => SdpDirection.SendOnly,
        _ => direction,
    };

    public static bool CanSend(this SdpDirection direction) => (direction & SdpDirection.SendOnly) != 0;

    public static bool CanReceive(this SdpDirection direction) => (direction & SdpDirection.RecvOnly) != 0;

    public static bool TryParse(string text, out SdpDirection direction)
    {
        switch (text)
        {
            case SdpAttributeNames.SendRecv: direction = SdpDirection.SendRecv; return true;
            case SdpAttributeNames.SendOnly: direction = SdpDirection.SendOnly; return true;
            case SdpAttributeNames.RecvOnly: direction = SdpDirection.RecvOnly; return true;
            case SdpAttributeNames.Inactive: direction = SdpDirection.Inactive; return true;
            default: direction = SdpDirection.Inactive; return false;
        }
    }
}
