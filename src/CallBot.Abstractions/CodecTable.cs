namespace CallBot.Abstractions;

/// <summary>
/// One codec as every project sees it: RTP/SDP facts (Rtc), the FFmpeg encoder of clips (Media), the Matroska mapping
/// (Recording). The RTP payloader/depacketizer pair sits next to the payloaders, in CallBot.Rtc's <c>RtpCodecs</c>, keyed
/// by <see cref="Id"/> (this project references nothing, so it cannot name them); a test checks both cover the same codecs.
/// </summary>
/// <param name="Id">CallBot's id.</param>
/// <param name="Kind">Audio or video.</param>
/// <param name="SdpName">rtpmap encoding name (matched case-insensitively).</param>
/// <param name="ClockRate">RTP clock rate.</param>
/// <param name="Channels">rtpmap channel count (audio), null when the rtpmap carries none.</param>
/// <param name="SdpFmtp">The fmtp we offer and answer with, null for none.</param>
/// <param name="RtcpFeedback">The rtcp-fb kinds the codec can use; the enabled media stages decide which are offered.</param>
/// <param name="PayloadType">The payload type we offer (the answerer's numbers come from its offer).</param>
/// <param name="RtxPayloadType">The RTX (RFC 4588) payload type we offer, null when the codec is sent without RTX.</param>
/// <param name="FfmpegFormat">FFmpeg muxer (<c>-f</c>) of an encoded clip, also its cache file extension.</param>
/// <param name="FfmpegEncodeArguments">FFmpeg encoder arguments of a clip, before <c>-f</c>.</param>
/// <param name="MatroskaCodecId">Matroska CodecID of a recording track.</param>
/// <param name="WebM">True when WebM may carry it (otherwise a recording is written as Matroska).</param>
/// <param name="Mp4Copy">True when an MP4 export can copy the stream; otherwise it is re-encoded to H.264.</param>
public sealed record CodecDescription(
    CodecId Id,
    MediaKind Kind,
    string SdpName,
    int ClockRate,
    int? Channels,
    string? SdpFmtp,
    IReadOnlyList<string> RtcpFeedback,
    byte PayloadType,
    byte? RtxPayloadType,
    string FfmpegFormat,
    IReadOnlyList<string> FfmpegEncodeArguments,
    string MatroskaCodecId,
    bool WebM,
    bool Mp4Copy);

/// <summary>A codec that is not in <see cref="CodecTable"/>: a programming or configuration error, never a silent fallback.</summary>
public sealed class UnknownCodecException(string codec)
    : NotSupportedException($"Codec '{codec}' is not in CallBot's codec table ({string.Join(", ", CodecTable.All.Select(c => c.SdpName))}).")
{
    public string Codec { get; } = codec;
}

/// <summary>
/// The single codec table. Adding a codec: a <see cref="CodecId"/> value, one entry here, its payloader/depacketizer in
/// CallBot.Rtc (<c>Payloads/RtpCodecs</c>), and the codec-specific parsing code (clip container, Matroska CodecPrivate).
/// </summary>
public static class CodecTable
{
    /// <summary>RTCP feedback a video codec can use (RFC 4585 nack/pli, RFC 5104 fir, goog-remb), in Chrome's order.</summary>
    private static readonly string[] VideoFeedback = ["ccm fir", "nack", "nack pli", "goog-remb"];

    private static readonly CodecDescription[] Entries =
    [
        new(CodecId.Opus, MediaKind.Audio, "opus", 48_000, 2, "minptime=10;useinbandfec=1", [], 111, null,
            "ogg", ["-c:a", "libopus", "-vbr", "on", "-application", "audio", "-frame_duration", "20", "-fec", "1", "-packet_loss", "10"], "A_OPUS", WebM: true, Mp4Copy: true),
        new(CodecId.Vp8, MediaKind.Video, "VP8", 90_000, null, null, VideoFeedback, 96, 97,
            "ivf", ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "5", "-auto-alt-ref", "0", "-lag-in-frames", "0", "-error-resilient", "1"],
            "V_VP8", WebM: true, Mp4Copy: false),

        // Constrained baseline 3.1, packetization-mode 1: what browsers prefer. AUD before each access unit and SPS/PPS
        // before every IDR, so a receiver can join at any key frame.
        new(CodecId.H264, MediaKind.Video, "H264", 90_000, null, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
            VideoFeedback, 102, 103,
            "h264", ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "baseline", "-bf", "0", "-sc_threshold", "0",
                "-x264-params", "aud=1:repeat-headers=1"],
            "V_MPEG4/ISO/AVC", WebM: false, Mp4Copy: true),
    ];

    public static IReadOnlyList<CodecDescription> All => Entries;

    /// <summary>
    /// RED and ULPFEC as Chrome offers them (its numbers are dynamic; these are the ones we offer, clear of the codecs'):
    /// video red/90000 with its RTX and ulpfec/90000, audio red/48000/2 with fmtp <c>opus/opus</c>.
    /// </summary>
    public static IReadOnlyList<RedundancyFormatDescription> RedundancyFormats { get; } =
    [
        new(RedundancyRole.Red, MediaKind.Video, "red", 90_000, null, 116, 117, 0),
        new(RedundancyRole.Ulpfec, MediaKind.Video, "ulpfec", 90_000, null, 118, null, 0),
        new(RedundancyRole.Red, MediaKind.Audio, "red", 48_000, 2, 63, null, 1),
    ];

    /// <summary>The entry of <paramref name="codec"/>; throws <see cref="UnknownCodecException"/> when there is none.</summary>
    /// <remarks>Entries are in <see cref="CodecId"/> order, so this is an index (it runs per frame on some paths).</remarks>
    public static CodecDescription Get(CodecId codec) =>
        (uint)codec < (uint)Entries.Length && Entries[(int)codec] is { } entry && entry.Id == codec
            ? entry
            : throw new UnknownCodecException(codec.ToString());

    /// <summary>By rtpmap name and clock rate (what a remote description says), false for a codec CallBot does not handle.</summary>
    public static bool TryFind(string sdpName, int clockRate, out CodecDescription codec)
    {
        foreach (var entry in Entries)
        {
            if (entry.ClockRate == clockRate && string.Equals(entry.SdpName, sdpName, StringComparison.OrdinalIgnoreCase))
            {
                codec = entry;
                return true;
            }
        }

        codec = null!;
        return false;
    }

    /// <summary>By name alone (configuration: "VP8", "h264"); throws <see cref="UnknownCodecException"/> for any other name.</summary>
    public static CodecDescription Parse(string name)
    {
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.SdpName, name, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }
        }

        throw new UnknownCodecException(name);
    }
}
