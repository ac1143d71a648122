using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary>
/// Parses SDP text (RFC 8866) into a <see cref="SessionDescription"/>. Never throws on bad input: it returns false and an
/// <see cref="SdpError"/> with the 1-based line number. Accepts CRLF or bare LF line ends and skips blank lines.
/// </summary>
/// <remarks>
/// Line order is RFC 8866 §9's grammar, run as the state machine below. A line type in the "next" column moves to the
/// state named by that type; a known type not in the column is <see cref="SdpErrorKind.UnexpectedLine"/>. A line type the
/// grammar does not know (any other letter) is kept in place and leaves the state unchanged, so nothing unknown is fatal.
/// The text must end in an accepting state (marked *): the session part needs v, o, s and at least one t.
/// <code>
///  state          after line   next allowed                     (session: v o s i? u? e* p* c? b* (t r*)+ z? k? a* m*)
///  Start          -            v                                (media:   m i? c* b* k? a*)
///  Version        v            o
///  Origin         o            s
///  SessionName    s            i u e p c b t
///  Info           i            u e p c b t
///  Uri            u            e p c b t
///  Email          e            e p c b t
///  Phone          p            p c b t
///  Connection     c            b t
///  Bandwidth      b            b t
///  Timing*        t            r t z k a m
///  Repeat*        r            r t z k a m
///  Zone*          z            k a m
///  Key*           k            a m
///  Attribute*     a            a m
///  Media*         m            i c b k a m
///  MediaInfo*     i (media)    c b k a m
///  MediaConn*     c (media)    c b k a m
///  MediaBw*       b (media)    b k a m
///  MediaKey*      k (media)    a m
///  MediaAttr*     a (media)    a m
/// </code>
/// </remarks>
public static class SdpParser
{
    /// <summary>Refuse larger texts: a real offer with many candidates is under 16 KB.</summary>
    public const int MaxLength = 256 * 1024;

    /// <summary>Refuse texts with more lines than this.</summary>
    public const int MaxLines = 8192;

    /// <summary>Refuse more media sections than this.</summary>
    public const int MaxMediaSections = 256;

    private const string KnownTypes = "vosiuepcbtrzkam";

    internal enum State
    {
        Start,
        Version,
        Origin,
        SessionName,
        Info,
        Uri,
        Email,
        Phone,
        Connection,
        Bandwidth,
        Timing,
        Repeat,
        Zone,
        Key,
        Attribute,
        Media,
        MediaInfo,
        MediaConnection,
        MediaBandwidth,
        MediaKey,
        MediaAttribute,
    }

    /// <summary>The "next allowed" column of the table above, indexed by <see cref="State"/>.</summary>
    private static readonly string[] Allowed =
    [
        "v",        // Start
        "o",        // Version
        "s",        // Origin
        "iuepcbt",  // SessionName
        "uepcbt",   // Info
        "epcbt",    // Uri
        "epcbt",    // Email
        "pcbt",     // Phone
        "bt",       // Connection
        "bt",       // Bandwidth
        "rtzkam",   // Timing
        "rtzkam",   // Repeat
        "kam",      // Zone
        "am",       // Key
        "am",       // Attribute
        "icbkam",   // Media
        "cbkam",    // MediaInfo
        "cbkam",    // MediaConnection
        "bkam",     // MediaBandwidth
        "am",       // MediaKey
        "am",       // MediaAttribute
    ];

    public static bool TryParse(string? text, out SessionDescription description, out SdpError error)
    {
        description = new SessionDescription();
        error = SdpError.None;
        if (string.IsNullOrEmpty(text))
        {
            error = new SdpError(0, SdpErrorKind.Empty, "no text");
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = new SdpError(0, SdpErrorKind.TooLarge, $"{text.Length} characters > {MaxLength}");
            return false;
        }

        var state = State.Start;
        MediaDescription? media = null;
        var lineNumber = 0;
        var position = 0;
        while (position < text.Length)
        {
            var end = text.IndexOf('\n', position);
            if (end < 0)
            {
                end = text.Length;
            }

            var line = text.AsSpan(position, end - position);
            position = end + 1;
            lineNumber++;
            if (lineNumber > MaxLines)
            {
                error = new SdpError(lineNumber, SdpErrorKind.TooLarge, $"more than {MaxLines} lines");
                return false;
            }

            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                continue;
            }

            if (line.Length < 2 || line[1] != '=' || !char.IsAsciiLetterLower(line[0]))
            {
                error = new SdpError(lineNumber, SdpErrorKind.MalformedLine, "expected <lowercase letter>=<value>");
                return false;
            }

            var type = line[0];
            var value = line[2..].ToString();
            if (!KnownTypes.Contains(type, StringComparison.Ordinal))
            {
                // RFC 8866 §5: unknown line types are ignored by parsers; we keep them so a round trip loses nothing.
                (media ?? (SdpSection)description).Lines.Add(new SdpLine(type, value));
                continue;
            }

            if (!Allowed[(int)state].Contains(type, StringComparison.Ordinal))
            {
                error = new SdpError(lineNumber, SdpErrorKind.UnexpectedLine, $"'{type}=' not allowed after state {state}");
                return false;
            }

            if (!TryApply(description, ref media, type, value, lineNumber, out error))
            {
                return false;
            }

            state = Next(state, type);
        }

        if (state < State.Timing)
        {
            error = new SdpError(lineNumber, SdpErrorKind.Truncated, $"ended in state {state}; v, o, s and t are required");
            return false;
        }

        return true;
    }

    /// <summary>Parses, and on failure returns null: a convenience for tests and tools.</summary>
    public static SessionDescription? ParseOrNull(string? text) => TryParse(text, out var description, out _) ? description : null;

    internal static State Next(State state, char type)
    {
        var inMedia = state >= State.Media;
        return type switch
        {
            'v' => State.Version,
            'o' => State.Origin,
            's' => State.SessionName,
            'i' => inMedia ? State.MediaInfo : State.Info,
            'u' => State.Uri,
            'e' => State.Email,
            'p' => State.Phone,
            'c' => inMedia ? State.MediaConnection : State.Connection,
            'b' => inMedia ? State.MediaBandwidth : State.Bandwidth,
            't' => State.Timing,
            'r' => State.Repeat,
            'z' => State.Zone,
            'k' => inMedia ? State.MediaKey : State.Key,
            'a' => inMedia ? State.MediaAttribute : State.Attribute,
            _ => State.Media, // 'm'
        };
    }

    private static bool TryApply(SessionDescription description, ref MediaDescription? media, char type, string value, int lineNumber, out SdpError error)
    {
        error = SdpError.None;
        switch (type)
        {
            case 'v':
                if (value != "0")
                {
                    error = new SdpError(lineNumber, SdpErrorKind.BadVersion, "v= must be 0");
                    return false;
                }

                description.Version = 0;
                return true;
            case 'o':
                if (!SdpOrigin.TryParse(value, out var origin))
                {
                    error = new SdpError(lineNumber, SdpErrorKind.BadOrigin, "o= needs 6 fields");
                    return false;
                }

                description.Origin = origin;
                return true;
            case 's':
                description.SessionName = value;
                return true;
            case 'm':
                if (description.Media.Count >= MaxMediaSections)
                {
                    error = new SdpError(lineNumber, SdpErrorKind.TooLarge, $"more than {MaxMediaSections} m-lines");
                    return false;
                }

                if (!MediaDescription.TryParseMediaLine(value, out var parsed))
                {
                    error = new SdpError(lineNumber, SdpErrorKind.BadMedia, "m= needs media, port, proto");
                    return false;
                }

                media = parsed;
                description.Media.Add(parsed);
                return true;
            case 't' when !IsTiming(value):
                error = new SdpError(lineNumber, SdpErrorKind.BadTiming, "t= needs two integers");
                return false;
            case 'c' when !SdpConnection.TryParse(value, out _):
                error = new SdpError(lineNumber, SdpErrorKind.BadConnection, "c= needs nettype addrtype address");
                return false;
            case 'b' when !SdpBandwidth.TryParse(value, out _):
                error = new SdpError(lineNumber, SdpErrorKind.BadBandwidth, "b= needs type:integer");
                return false;
            default:
                (media ?? (SdpSection)description).Lines.Add(new SdpLine(type, value));
                return true;
        }
    }

    private static bool IsTiming(string value)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2
            && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
