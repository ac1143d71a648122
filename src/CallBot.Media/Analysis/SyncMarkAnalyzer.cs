using System.Globalization;
using System.Runtime.InteropServices;
using CallBot.Media.Ffmpeg;

namespace CallBot.Media.Analysis;

/// <summary>What <see cref="SyncMarkAnalyzer"/> found in a media file.</summary>
/// <param name="VideoFrames">Decoded video frames (after conversion to the analysis frame rate).</param>
/// <param name="AudioSamples">Decoded audio samples (mono, 48 kHz).</param>
/// <param name="FlashTimes">Seconds at which a flash begins.</param>
/// <param name="BeepTimes">Seconds at which a beep begins.</param>
/// <param name="AvOffsets">Beep minus flash for each pair, seconds (positive: sound late).</param>
/// <param name="FrameLuma">Mean luma of every decoded frame.</param>
public sealed record SyncMarkReport(
    int VideoFrames,
    long AudioSamples,
    IReadOnlyList<double> FlashTimes,
    IReadOnlyList<double> BeepTimes,
    IReadOnlyList<double> AvOffsets,
    IReadOnlyList<double> FrameLuma)
{
    /// <summary>Longest time between two flashes (≈1 s when nothing froze), or 0 with fewer than two flashes.</summary>
    public double LongestFlashGap
    {
        get
        {
            var longest = 0.0;
            for (var i = 1; i < FlashTimes.Count; i++)
            {
                longest = Math.Max(longest, FlashTimes[i] - FlashTimes[i - 1]);
            }

            return longest;
        }
    }
}

/// <summary>Decodes a media file with FFmpeg (tiny grey frames and mono PCM) and finds the sync marks in it.</summary>
public sealed class SyncMarkAnalyzer
{
    /// <summary>Frames are shrunk to this before the luma is averaged: enough for a full-frame flash, cheap to move through a pipe.</summary>
    public const int AnalysisWidth = 32;
    public const int AnalysisHeight = 18;
    public const int SampleRate = 48_000;

    private readonly FfmpegRunner _ffmpeg;

    public SyncMarkAnalyzer(FfmpegRunner ffmpeg) => _ffmpeg = ffmpeg ?? throw new ArgumentNullException(nameof(ffmpeg));

    /// <summary>
    /// Analyses <paramref name="path"/>. <paramref name="frameRate"/> resamples video to a constant rate (a recording's
    /// variable rate becomes evenly spaced frames, so a frozen stretch shows up as a long flash gap); null decodes frames as
    /// they are and times them by index at <paramref name="nominalFrameRate"/>.
    /// </summary>
    public async Task<SyncMarkReport> AnalyzeAsync(string path, int nominalFrameRate, int? frameRate = null, bool hasVideo = true, bool hasAudio = true, CancellationToken cancellationToken = default)
    {
        var luma = hasVideo ? await DecodeLumaAsync(path, frameRate, cancellationToken).ConfigureAwait(false) : [];
        var samples = hasAudio ? await DecodePcmAsync(path, cancellationToken).ConfigureAwait(false) : [];
        var rate = frameRate ?? nominalFrameRate;
        var flashes = new List<double>();
        foreach (var index in SyncMarkDetector.FindFlashFrames(luma))
        {
            flashes.Add((double)index / rate);
        }

        var beeps = SyncMarkDetector.FindBeepOnsets(samples, SampleRate);
        return new SyncMarkReport(luma.Length, samples.Length, flashes, beeps, SyncMarkDetector.AvOffsets(flashes, beeps), luma);
    }

    /// <summary>Mean luma of every video frame of <paramref name="path"/>.</summary>
    public async Task<double[]> DecodeLumaAsync(string path, int? frameRate, CancellationToken cancellationToken = default)
    {
        var filter = string.Create(CultureInfo.InvariantCulture, $"scale={AnalysisWidth}:{AnalysisHeight},format=gray");
        if (frameRate is { } r)
        {
            filter = string.Create(CultureInfo.InvariantCulture, $"fps={r},{filter}");
        }

        var result = await _ffmpeg.RunAsync(["-v", "error", "-i", path, "-map", "0:v:0", "-vf", filter, "-fps_mode", frameRate is null ? "passthrough" : "cfr", "-f", "rawvideo", "pipe:1"],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return SyncMarkDetector.MeanLuma(result.Stdout, AnalysisWidth * AnalysisHeight);
    }

    /// <summary>The first audio stream of <paramref name="path"/> as mono 16-bit samples at 48 kHz.</summary>
    public async Task<short[]> DecodePcmAsync(string path, CancellationToken cancellationToken = default)
    {
        var result = await _ffmpeg.RunAsync(["-v", "error", "-i", path, "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "s16le", "pipe:1"],
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return MemoryMarshal.Cast<byte, short>(result.Stdout.AsSpan(0, result.Stdout.Length & ~1)).ToArray();
    }
}
