using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Options;

/// <summary>Recording of remote participants. Section <c>CallBot:Recording</c>.</summary>
public sealed class RecordingOptions
{
    public const string Section = "CallBot:Recording";

    public bool Enabled { get; set; }

    [Required]
    public string Directory { get; set; } = "recordings";

    /// <summary>Path template under <see cref="Directory"/>; every remote-supplied part is sanitized.</summary>
    [Required]
    public string FileNameTemplate { get; set; } = "{date}/{sessionId}/{userId}-{startedAt}.webm";

    /// <summary>Also write one grid composite per call at the end.</summary>
    public bool Composite { get; set; }

    /// <summary>Also produce an MP4 (faststart) copy at finalize.</summary>
    public bool Mp4 { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan FinalizeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Free space (MiB) the recordings' file system keeps: below it recordings stop with a clear error, calls go on. 0 = off.</summary>
    [Range(0, 1024 * 1024)]
    public int MinFreeDiskMB { get; set; } = 512;
}
