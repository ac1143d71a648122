namespace CallBot.Rtc.Ice;

/// <summary>RFC 8445 §6.1.1: the offerer's full agent is normally controlling.</summary>
public enum IceRole
{
    Controlling,
    Controlled,
}
