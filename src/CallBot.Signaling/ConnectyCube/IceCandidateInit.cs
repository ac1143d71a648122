namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// One trickled candidate, as <c>RTCIceCandidateInit</c>. On the wire every value is a string and an empty
/// <c>sdpMLineIndex</c> element means 0 (the SDK writes <c>String(value || '')</c>, so index 0 goes out empty).
/// </summary>
public sealed record IceCandidateInit(string Candidate, string? SdpMid, int SdpMLineIndex);
