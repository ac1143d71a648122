namespace CallBot.Rtc.Sdp;

/// <summary><c>a=setup</c> (RFC 4145 §4, RFC 5763 §5): who starts the DTLS handshake. Active = DTLS client.</summary>
public enum SdpSetup
{
    ActPass,
    Active,
    Passive,
    HoldConn,
}

public static class SdpSetupNames
{
    public static string ToSdp(this SdpSetup setup) => setup switch
    {
        SdpSetup.Active => "active",
        SdpSetup.Passive => "passive",
        SdpSetup.HoldConn => "holdconn",
        _ => "actpass",
    };

    public static bool TryParse(string text, out SdpSetup setup)
    {
        switch (text.Trim())
        {
            case "actpass": setup = SdpSetup.ActPass; return true;
            case "active": setup = SdpSetup.Active; return true;
            case "passive": setup = SdpSetup.Passive; return true;
            case "holdconn": setup = SdpSetup.HoldConn; return true;
            default: setup = SdpSetup.ActPass; return false;
        }
    }
}
