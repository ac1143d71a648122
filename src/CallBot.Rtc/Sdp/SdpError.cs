namespace CallBot.Rtc.Sdp;

/// <summary>Why a session description was refused. The parser never throws; it returns one of these.</summary>
public enum SdpErrorKind
{
    None,
    /// <summary>The text is empty or has no lines.</summary>
    Empty,
    /// <summary>The text is larger than <see cref="SdpParser.MaxLength"/> characters or has too many lines.</summary>
    TooLarge,
    /// <summary>A line is not <c>&lt;letter&gt;=&lt;value&gt;</c>.</summary>
    MalformedLine,
    /// <summary>A known line type arrived where the RFC 8866 §9 line order does not allow it.</summary>
    UnexpectedLine,
    /// <summary>The text ended before the required lines (v, o, s, t) were all seen.</summary>
    Truncated,
    /// <summary><c>v=</c> is not 0.</summary>
    BadVersion,
    /// <summary><c>o=</c> does not have its six fields.</summary>
    BadOrigin,
    /// <summary><c>t=</c> is not two integers.</summary>
    BadTiming,
    /// <summary><c>m=</c> is not <c>media port[/count] proto fmt...</c>.</summary>
    BadMedia,
    /// <summary><c>c=</c> is not <c>nettype addrtype address</c>.</summary>
    BadConnection,
    /// <summary><c>b=</c> is not <c>type:integer</c>.</summary>
    BadBandwidth,
}

/// <summary>A parse failure: the 1-based line number (0 when it concerns the whole text), what went wrong, and a short detail.</summary>
public readonly record struct SdpError(int Line, SdpErrorKind Kind, string Detail)
{
    public static SdpError None => new(0, SdpErrorKind.None, string.Empty);

    public override string ToString() => Line > 0 ? $"sdp: line {Line}: {Kind}: {Detail}" : $"sdp: {Kind}: {Detail}";
}
