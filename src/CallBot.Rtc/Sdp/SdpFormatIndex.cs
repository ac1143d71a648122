namespace CallBot.Rtc.Sdp;

/// <summary>
/// rtpmap, fmtp and rtcp-fb of one m-line indexed by payload type, read in one pass over its lines, so codec
/// negotiation does not re-scan and re-parse the section for every format (Chrome offers 20+ video formats).
/// </summary>
internal sealed class SdpFormatIndex
{
    private readonly Dictionary<byte, SdpRtpMap> _rtpMaps = [];
    private readonly Dictionary<byte, SdpFmtp> _fmtps = [];
    private readonly Dictionary<byte, List<SdpRtcpFeedback>> _feedback = [];
    private readonly List<SdpRtcpFeedback> _wildcardFeedback = [];

    public SdpFormatIndex(MediaDescription media)
    {
        foreach (var line in media.Lines)
        {
            if (!line.IsAttribute || line.AttributeValue is not { } value)
            {
                continue;
            }

            var name = line.AttributeName;
            if (name == SdpAttributeNames.RtpMap && SdpRtpMap.TryParse(value, out var map))
            {
                _rtpMaps.TryAdd(map.PayloadType, map);
            }
            else if (name == SdpAttributeNames.Fmtp && SdpFmtp.TryParse(value, out var fmtp))
            {
                _fmtps.TryAdd(fmtp.PayloadType, fmtp);
            }
            else if (name == SdpAttributeNames.RtcpFb && SdpRtcpFeedback.TryParse(value, out var feedback))
            {
                if (feedback.PayloadType is { } pt)
                {
                    if (!_feedback.TryGetValue(pt, out var list))
                    {
                        _feedback[pt] = list = [];
                    }

                    list.Add(feedback);
                }
                else
                {
                    _wildcardFeedback.Add(feedback);
                }
            }
        }
    }

    /// <summary>The rtpmap of <paramref name="pt"/>, or the RFC 3551 static mapping when none is written.</summary>
    public bool TryGetRtpMap(byte pt, out SdpRtpMap map) => _rtpMaps.TryGetValue(pt, out map) || SdpStaticPayloadTypes.TryGet(pt, out map);

    public SdpFmtp? Fmtp(byte pt) => _fmtps.TryGetValue(pt, out var fmtp) ? fmtp : null;

    /// <summary>Feedback for <paramref name="pt"/> in order, then the '*' lines.</summary>
    public IEnumerable<SdpRtcpFeedback> Feedback(byte pt)
    {
        if (_feedback.TryGetValue(pt, out var list))
        {
            foreach (var feedback in list)
            {
                yield return feedback;
            }
        }

        foreach (var feedback in _wildcardFeedback)
        {
            yield return feedback;
        }
    }
}
