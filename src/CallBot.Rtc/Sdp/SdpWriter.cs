using System.Globalization;
using System.Text;

namespace CallBot.Rtc.Sdp;

/// <summary>
/// Writes the canonical text of a description: <c>v=</c>, <c>o=</c>, <c>s=</c>, the session lines in stored order, then
/// each media section (<c>m=</c> and its lines in stored order), every line ended by CRLF (RFC 8866 §5). Parsing a
/// browser's SDP and writing it back gives the same text.
/// </summary>
public static class SdpWriter
{
    private const string LineEnd = "\r\n";

    public static string Write(SessionDescription description)
    {
        var text = new StringBuilder(2048);
        text.Append("v=").Append(description.Version.ToString(CultureInfo.InvariantCulture)).Append(LineEnd);
        text.Append("o=").Append(description.Origin.ToString()).Append(LineEnd);
        text.Append("s=").Append(description.SessionName).Append(LineEnd);
        AppendLines(text, description.Lines);
        foreach (var media in description.Media)
        {
            text.Append("m=").Append(media.MediaLineValue()).Append(LineEnd);
            AppendLines(text, media.Lines);
        }

        return text.ToString();
    }

    private static void AppendLines(StringBuilder text, List<SdpLine> lines)
    {
        foreach (var line in lines)
        {
            text.Append(line.Type).Append('=').Append(line.Value).Append(LineEnd);
        }
    }
}
