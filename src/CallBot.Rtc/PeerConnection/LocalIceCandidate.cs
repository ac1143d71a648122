namespace CallBot.Rtc;

/// <summary>
/// A local candidate to trickle to the peer: <see cref="Candidate"/> is <c>candidate:...</c> (RTCIceCandidate.candidate),
/// or null for end-of-candidates. With BUNDLE every candidate belongs to the first m-line.
/// </summary>
public sealed record LocalIceCandidate(string? Candidate, string SdpMid, int SdpMLineIndex);
