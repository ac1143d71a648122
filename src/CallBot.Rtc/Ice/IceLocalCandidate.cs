using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Ice;

/// <summary>A candidate we gathered, with the socket that is its base (RFC 8445 §5.1.1).</summary>
internal sealed record IceLocalCandidate(IceCandidate Candidate, IDatagramSocket Socket, int LocalPreference);
