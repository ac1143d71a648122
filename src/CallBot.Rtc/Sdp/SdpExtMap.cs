using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary><c>a=extmap:&lt;id&gt;[/&lt;direction&gt;] &lt;uri&gt; [&lt;attributes&gt;]</c> (RFC 8285 §8).</summary>
public readonly record struct SdpExtMap(int Id, SdpDirection? Direction, string Uri, string? ExtensionAttributes)
{
    public const int MinId = 1;
    public const int MaxId = 255;

    public static bool TryParse(string value, out SdpExtMap map)
    {
        map = default;
        var parts = value.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return false;
        }

        var idText = parts[0].AsSpan();
        SdpDirection? direction = null;
        var slash = idText.IndexOf('/');
        if (slash >= 0)
        {
            if (!SdpDirectionNames.TryParse(idText[(slash + 1)..].ToString(), out var parsed))
            {
                return false;
            }

            direction = parsed;
            idText = idText[..slash];
        }

        if (!int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id is < MinId or > MaxId)
        {
            return false;
        }

        map = new SdpExtMap(id, direction, parts[1], parts.Length == 3 ? parts[2] : null);
        return true;
    }

    public override string ToString()
    {
        var id = Direction is { } direction
            ? string.Create(CultureInfo.InvariantCulture, $"{Id}/{direction.ToSdp()}")
            : Id.ToString(CultureInfo.InvariantCulture);
        return ExtensionAttributes is null ? $"{id} {Uri}" : $"{id} {Uri} {ExtensionAttributes}";
    }
}

/// <summary>The header extension URIs browsers offer and CallBot negotiates.</summary>
public static class SdpHeaderExtensionUris
{
    public const string AbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    public const string TransportWideCc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    public const string SdesMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
    public const string SdesRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    public const string SdesRepairedRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    public const string AudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    public const string TimeOffset = "urn:ietf:params:rtp-hdrext:toffset";
    public const string VideoOrientation = "urn:3gpp:video-orientation";
}
