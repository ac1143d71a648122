namespace CallBot.Abstractions.Ffmpeg;

/// <summary>
/// Maps FFmpeg's stderr of a failed run to an <see cref="FfmpegErrorKind"/>. FFmpeg has no error codes worth the name, so this
/// reads its messages. The one classifier for every FFmpeg use (clip encoding, the recording muxer).
/// </summary>
public static class FfmpegErrorClassifier
{
    public static FfmpegErrorKind Classify(string stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        if (Contains(stderr, "No space left on device"))
        {
            return FfmpegErrorKind.DiskFull;
        }

        if (Contains(stderr, "Read-only file system"))
        {
            return FfmpegErrorKind.OutputUnwritable;
        }

        if (Contains(stderr, "No such file or directory") || Contains(stderr, "Permission denied"))
        {
            return FfmpegErrorKind.InputMissing;
        }

        if (Contains(stderr, "Unknown encoder") || Contains(stderr, "Error while opening encoder")
            || Contains(stderr, "Error initializing output stream") || Contains(stderr, "Encoder not found")
            || Contains(stderr, "Failed to initialize encoder") || Contains(stderr, "Error submitting"))
        {
            return FfmpegErrorKind.CodecFailure;
        }

        if (Contains(stderr, "Invalid data found when processing input") || Contains(stderr, "could not find codec parameters")
            || Contains(stderr, "does not contain any stream") || Contains(stderr, "Output file #0 does not contain")
            || Contains(stderr, "matches no streams") || Contains(stderr, "Decoder (codec") || Contains(stderr, "Unknown input format")
            || Contains(stderr, "moov atom not found") || Contains(stderr, "EBML header parsing failed"))
        {
            return FfmpegErrorKind.UnsupportedInput;
        }

        return FfmpegErrorKind.Failed;
    }

    private static bool Contains(string text, string what) => text.Contains(what, StringComparison.OrdinalIgnoreCase);
}
