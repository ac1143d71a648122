namespace CallBot.Abstractions;

/// <summary>The codecs CallBot sends, receives and records; every fact about each one is in <see cref="CodecTable"/>.</summary>
public enum CodecId
{
    Opus,
    Vp8,
    H264,
}

public enum MediaKind
{
    Audio,
    Video,
}

/// <summary>Shorthands for the <see cref="CodecTable"/> entry of a codec (each throws <see cref="UnknownCodecException"/> for a codec not in it).</summary>
public static class CodecInfo
{
    /// <summary>RTP clock rate: 48 kHz for Opus (RFC 7587), 90 kHz for video (RFC 7741, RFC 6184).</summary>
    public static int ClockRate(this CodecId codec) => CodecTable.Get(codec).ClockRate;

    public static MediaKind Kind(this CodecId codec) => CodecTable.Get(codec).Kind;

    /// <summary>The SDP rtpmap encoding name.</summary>
    public static string EncodingName(this CodecId codec) => CodecTable.Get(codec).SdpName;
}
