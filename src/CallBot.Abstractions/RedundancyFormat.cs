namespace CallBot.Abstractions;

/// <summary>What a redundancy payload format carries: RED (RFC 2198) wraps media or FEC blocks; ULPFEC (RFC 5109) is parity.</summary>
public enum RedundancyRole
{
    Red,
    Ulpfec,
}

/// <summary>
/// A payload format that is not a codec but protects one (RED, ULPFEC): negotiated next to the media codecs of its kind
/// while the <c>fec</c> media stage runs, never chosen as the send codec, never recorded.
/// </summary>
/// <param name="Role">RED or ULPFEC.</param>
/// <param name="Kind">Audio or video.</param>
/// <param name="SdpName">rtpmap encoding name (matched case-insensitively).</param>
/// <param name="ClockRate">RTP clock rate.</param>
/// <param name="Channels">rtpmap channel count (audio RED: 2, as Chrome offers it), null for none.</param>
/// <param name="PayloadType">The payload type we offer (the answerer's numbers come from its offer).</param>
/// <param name="RtxPayloadType">The RTX payload type we offer for it (Chrome's <c>rtx apt=red</c>), null for none.</param>
/// <param name="RedundantFrames">
/// Audio RED: the fmtp names the primary codec this many + 1 times (<c>111/111</c> = Opus plus one redundant Opus frame),
/// filled with the offerer's Opus payload type; 0 for video (no fmtp).
/// </param>
public sealed record RedundancyFormatDescription(
    RedundancyRole Role,
    MediaKind Kind,
    string SdpName,
    int ClockRate,
    int? Channels,
    byte PayloadType,
    byte? RtxPayloadType,
    int RedundantFrames);
