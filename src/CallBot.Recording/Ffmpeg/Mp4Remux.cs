using CallBot.Abstractions;

namespace CallBot.Recording.Ffmpeg;

/// <summary>The MP4 copy of a finished recording, made at finalize next to the WebM/Matroska file.</summary>
internal static class Mp4Remux
{
    /// <summary>Writes <c>name.mp4</c> (or <c>name-2.mp4</c>… when taken) from <paramref name="input"/>. Returns its path, or null and why not (no file is left behind).</summary>
    public static async Task<(string? Path, string Error)> RunAsync(string ffmpegPath, string input, CodecId? videoCodec, TimeSpan timeout)
    {
        string mp4;
        try
        {
            mp4 = OwnerOnlyFiles.CreateUniqueEmptyFile(Path.ChangeExtension(input, ".mp4"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, ex.Message);
        }

        var (ok, error) = await FfmpegJob.RunAsync(ffmpegPath, Arguments(input, mp4, videoCodec), timeout).ConfigureAwait(false);
        if (ok)
        {
            return (mp4, string.Empty);
        }

        OwnerOnlyFiles.TryDelete(mp4);
        return (null, error);
    }

    /// <summary>
    /// MP4 at finalize: H.264 is copied; VP8 has no MP4 mapping FFmpeg accepts, so it is re-encoded to H.264 there
    /// (off the live path). Opus is copied. <c>+faststart</c> moves the index to the front for progressive playback.
    /// </summary>
    internal static IEnumerable<string> Arguments(string input, string output, CodecId? videoCodec)
    {
        List<string> args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-i", input, "-map", "0"];
        if (videoCodec is { } video && !CodecTable.Get(video).Mp4Copy)
        {
            // -fps_mode vfr: keep the frames as they are (the 2 ms DefaultDuration is a timestamp grid, not a frame rate).
            args.AddRange(["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-fps_mode", "vfr"]);
        }
        else
        {
            args.AddRange(["-c:v", "copy"]);
        }

        args.AddRange(["-c:a", "copy", "-movflags", "+faststart", "-f", "mp4", "-y", output]);
        return args;
    }
}
