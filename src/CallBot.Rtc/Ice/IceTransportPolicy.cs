namespace CallBot.Rtc.Ice;

/// <summary>
/// Which candidates the agent gathers and uses (WebRTC <c>RTCIceTransportPolicy</c>). <see cref="Relay"/>
/// is the ConnectyCube SDK's <c>alwaysRelayCalls</c>: only TURN relay candidates, so no host address leaks.
/// </summary>
public enum IceTransportPolicy
{
    All,
    Relay,
}
