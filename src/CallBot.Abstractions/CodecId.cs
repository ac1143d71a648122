namespace CallBot.Abstractions;

/// <summary>The codecs CallBot sends, receives and records. Payload type numbers are negotiated per call in SDP.</summary>
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

public static class CodecInfo
{
    /// <summary>RTP clock rate: 48 kHz for Opus (RFC 7587), 90 kHz for video (RFC 7741, RFC 6184).</summary>
    public static int ClockRate(this CodecId codec) => codec == CodecId.Opus ? 48_000 : 90_000;

    public static MediaKind Kind(this CodecId codec) => codec == CodecId.Opus ? MediaKind.Audio : MediaKind.Video;

    /// <summary>The SDP rtpmap encoding name.</summary>
    public static string EncodingName(this CodecId codec) => codec switch
    {
        CodecId.Opus => "opus",
        CodecId.Vp8 => "VP8",
        CodecId.H264 => "H264",
        _ => throw new ArgumentOutOfRangeException(nameof(codec)),
    };
}
