using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary>
/// One media section: <c>m=&lt;media&gt; &lt;port&gt;[/&lt;count&gt;] &lt;proto&gt; &lt;fmt&gt; ...</c> (RFC 8866 §5.14) and the lines after
/// it, in order. Port 0 means the section is rejected or disabled (RFC 8829 §5.3.1).
/// </summary>
public sealed class MediaDescription : SdpSection
{
    public const string AudioMedia = "audio";
    public const string VideoMedia = "video";
    public const string ApplicationMedia = "application";

    /// <summary>The protocol browsers use for RTP media (RFC 5764 + RFC 5124 AVPF).</summary>
    public const string SecureAvpfProtocol = "UDP/TLS/RTP/SAVPF";

    /// <summary>The placeholder port of JSEP (RFC 8829 §5.2.1): real addresses travel in ICE candidates.</summary>
    public const int DiscardPort = 9;

    public string MediaType { get; set; } = AudioMedia;

    public int Port { get; set; } = DiscardPort;

    public int? PortCount { get; set; }

    public string Protocol { get; set; } = SecureAvpfProtocol;

    /// <summary>The formats of the m-line in order: payload type numbers for RTP, other tokens kept as text.</summary>
    public List<string> Formats { get; } = [];

    public bool IsRejected => Port == 0;

    public bool IsRtp => Protocol.Contains("RTP/", StringComparison.Ordinal);

    public string? Mid => GetAttribute(SdpAttributeNames.Mid);

    /// <summary>The media direction, sendrecv when none is written (RFC 8866 §6.7).</summary>
    public SdpDirection Direction => ExplicitDirection ?? SdpDirection.SendRecv;

    public bool RtcpMux => HasAttribute(SdpAttributeNames.RtcpMux);

    public bool RtcpReducedSize => HasAttribute(SdpAttributeNames.RtcpRsize);

    public bool EndOfCandidates => HasAttribute(SdpAttributeNames.EndOfCandidates);

    /// <summary>The <c>a=candidate:</c> values, unparsed (the ICE layer parses them).</summary>
    public IEnumerable<string> Candidates => GetAttributes(SdpAttributeNames.Candidate);

    public IEnumerable<SdpRtpMap> RtpMaps => Parsed<SdpRtpMap>(SdpAttributeNames.RtpMap, SdpRtpMap.TryParse);

    public IEnumerable<SdpFmtp> Fmtps => Parsed<SdpFmtp>(SdpAttributeNames.Fmtp, SdpFmtp.TryParse);

    public IEnumerable<SdpRtcpFeedback> RtcpFeedbacks => Parsed<SdpRtcpFeedback>(SdpAttributeNames.RtcpFb, SdpRtcpFeedback.TryParse);

    public IEnumerable<SdpSsrc> Ssrcs => Parsed<SdpSsrc>(SdpAttributeNames.Ssrc, SdpSsrc.TryParse);

    public IEnumerable<SdpSsrcGroup> SsrcGroups => Parsed<SdpSsrcGroup>(SdpAttributeNames.SsrcGroup, SdpSsrcGroup.TryParse);

    public SdpMsid? Msid => GetAttribute(SdpAttributeNames.Msid) is { } value && SdpMsid.TryParse(value, out var msid) ? msid : null;

    /// <summary>The payload type numbers of the m-line that are integers 0..127, in order.</summary>
    public IEnumerable<byte> PayloadTypes
    {
        get
        {
            foreach (var format in Formats)
            {
                if (byte.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out var pt) && pt <= SdpRtpMap.MaxPayloadType)
                {
                    yield return pt;
                }
            }
        }
    }

    public SdpRtpMap? FindRtpMap(byte payloadType) => RtpMaps.FirstOrDefault(map => map.PayloadType == payloadType);

    public SdpFmtp? FindFmtp(byte payloadType) => Fmtps.FirstOrDefault(fmtp => fmtp.PayloadType == payloadType);

    /// <summary>Feedback for <paramref name="payloadType"/>, including <c>a=rtcp-fb:*</c> lines.</summary>
    public IEnumerable<SdpRtcpFeedback> FeedbackFor(byte payloadType)
    {
        foreach (var feedback in RtcpFeedbacks)
        {
            if (feedback.PayloadType is null || feedback.PayloadType == payloadType)
            {
                yield return feedback;
            }
        }
    }

    /// <summary>The m-line value without the leading <c>m=</c>.</summary>
    public string MediaLineValue()
    {
        var port = PortCount is { } count
            ? string.Create(CultureInfo.InvariantCulture, $"{Port}/{count}")
            : Port.ToString(CultureInfo.InvariantCulture);
        return Formats.Count == 0
            ? $"{MediaType} {port} {Protocol}"
            : $"{MediaType} {port} {Protocol} {string.Join(' ', Formats)}";
    }

    internal static bool TryParseMediaLine(string value, out MediaDescription media)
    {
        media = new MediaDescription();
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3)
        {
            return false;
        }

        var portText = parts[1].AsSpan();
        var slash = portText.IndexOf('/');
        if (!int.TryParse(slash < 0 ? portText : portText[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port > ushort.MaxValue)
        {
            return false;
        }

        if (slash >= 0)
        {
            if (!int.TryParse(portText[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return false;
            }

            media.PortCount = count;
        }

        media.MediaType = parts[0];
        media.Port = port;
        media.Protocol = parts[2];
        for (var i = 3; i < parts.Length; i++)
        {
            media.Formats.Add(parts[i]);
        }

        return true;
    }
}
