using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Options;

public enum MediaSourceKind
{
    /// <summary>Generated test card and tone with frame counter, clock, user id and a once-a-second sync mark.</summary>
    Synthetic,

    /// <summary>Any file FFmpeg can read, looped.</summary>
    File,

    /// <summary>Send back what the caller sends, without transcoding.</summary>
    Echo,
}

/// <summary>What bots send. Section <c>CallBot:Media</c> (or per bot).</summary>
public sealed class MediaOptions
{
    public const string Section = "CallBot:Media";

    public MediaSourceKind Source { get; set; } = MediaSourceKind.Synthetic;

    /// <summary>Input file for <see cref="MediaSourceKind.File"/>.</summary>
    public string? File { get; set; }

    /// <summary><c>VP8</c> or <c>H264</c>.</summary>
    [RegularExpression("^(?i)(vp8|h264)$")]
    public string VideoCodec { get; set; } = "VP8";

    [Range(16, 3840)]
    public int Width { get; set; } = 640;

    [Range(16, 2160)]
    public int Height { get; set; } = 360;

    [Range(1, 60)]
    public int FrameRate { get; set; } = 30;

    /// <summary>Top video bitrate of the ladder, kbit/s.</summary>
    [Range(30, 20_000)]
    public int VideoBitrateKbps { get; set; } = 600;

    /// <summary>
    /// Video ladder steps encoded for bandwidth adaptation: 1 (top only), 2 or 3 (full, half, quarter resolution at 1,
    /// 0.4 and 1/6 of the top bitrate), or 4 (full, 3/4, 1/2, 1/4 resolution at 1, 1/2, 1/4, 1/10: rungs 2× apart, a
    /// bottom rung a tenth of the top; for a sender that must follow a bottleneck, see <c>VideoLadder.FourStep</c>).
    /// </summary>
    [Range(1, 4)]
    public int Renditions { get; set; } = 3;

    /// <summary>
    /// Seconds between the clip's key frames (every rendition has them at the same frames, where the ladder can step up).
    /// A browser sends key frames only when asked; a bot with key-frame-only twins (<see cref="KeyFrameRenditions"/>)
    /// answers those requests in place, so longer intervals send fewer large frames. The clip is 10 s, so 10 = one key
    /// frame a loop.
    /// </summary>
    [Range(1, 10)]
    public int KeyFrameIntervalSeconds { get; set; } = 2;

    /// <summary>
    /// Directory where encoded clips are kept between runs (keyed by source, profile and FFmpeg version); empty = the
    /// user's cache directory (<c>$XDG_CACHE_HOME/callbot/clips</c> or <c>~/.cache/callbot/clips</c>). Process-wide.
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Keep encoded clips on disk (a warm start loads them instead of encoding); false = memory only. Process-wide.</summary>
    public bool DiskCache { get; set; } = true;

    /// <summary>
    /// Also encode every video rendition key-frame-only, so a keyframe request (PLI/FIR) is answered by the next frame
    /// instead of restarting the clip; false halves clip encode time and memory. Process-wide.
    /// </summary>
    public bool KeyFrameRenditions { get; set; } = true;

    /// <summary>Bound of the disk cache; least recently used clips are deleted beyond it. Process-wide.</summary>
    [Range(16, 1_000_000)]
    public int CacheMaxMegabytes { get; set; } = 512;

    /// <summary>
    /// Whether a bot sender probes the path (GCC probing on the transport-cc send side: short bursts above the estimate
    /// at the start, after a drop, and every few seconds while its ladder keeps it below the estimate). Without it a
    /// ladder sender that stepped down never climbs back: feedback cannot show more than it sends.
    /// </summary>
    public bool Probing { get; set; } = true;

    [Range(6, 510)]
    public int AudioBitrateKbps { get; set; } = 32;

    /// <summary>
    /// The media-plane stages each call runs (names of <c>PeerConnectionOptions.MediaStages</c>: nack, keyframe, report,
    /// remb, transport-cc, pacer, fec, stats; always in that order); unset or empty = every stage but <c>pacer</c>. A stage left
    /// out also drops its SDP feedback/extension, so the peer does not send what nobody reads.
    /// </summary>
    public List<string>? Stages { get; set; }
}
