namespace CallBot.Abstractions.Ffmpeg;

/// <summary>What went wrong when FFmpeg ran; callers branch on this, the message is for people.</summary>
public enum FfmpegErrorKind
{
    /// <summary>The ffmpeg executable could not be started (not installed, not on PATH, not executable).</summary>
    NotFound,
    /// <summary>An input file does not exist or cannot be opened.</summary>
    InputMissing,
    /// <summary>FFmpeg opened the input but cannot demux/decode it (not a media file, unknown format, no usable stream).</summary>
    UnsupportedInput,
    /// <summary>An encoder is missing or failed (e.g. libvpx not built in, invalid encoder options).</summary>
    CodecFailure,
    /// <summary>The run exceeded its time budget and was killed.</summary>
    Timeout,
    /// <summary>The run produced more output than allowed and was killed.</summary>
    OutputTooLarge,
    /// <summary>FFmpeg exited non-zero for another reason; see <see cref="FfmpegException.StderrTail"/>.</summary>
    Failed,
    /// <summary>The disk FFmpeg writes to is full.</summary>
    DiskFull,
    /// <summary>The output cannot be written (a read-only file system).</summary>
    OutputUnwritable,
    /// <summary>FFmpeg succeeded but its output could not be parsed as the expected container.</summary>
    BadOutput,
}

/// <summary>A failed FFmpeg run, with the tail of its stderr (bounded) for diagnosis.</summary>
public sealed class FfmpegException : Exception
{
    public FfmpegException(FfmpegErrorKind kind, string message, string? stderrTail = null, int? exitCode = null, Exception? inner = null)
        : base(stderrTail is { Length: > 0 } ? $"{message} (ffmpeg said: {stderrTail.Trim()})" : message, inner)
    {
        Kind = kind;
        StderrTail = stderrTail ?? string.Empty;
        ExitCode = exitCode;
    }

    public FfmpegException() : this(FfmpegErrorKind.Failed, "ffmpeg failed") { }

    public FfmpegException(string message) : this(FfmpegErrorKind.Failed, message) { }

    public FfmpegException(string message, Exception innerException) : this(FfmpegErrorKind.Failed, message, null, null, innerException) { }

    public FfmpegErrorKind Kind { get; }

    public string StderrTail { get; }

    public int? ExitCode { get; }
}
