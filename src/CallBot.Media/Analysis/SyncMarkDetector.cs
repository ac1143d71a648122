namespace CallBot.Media.Analysis;

/// <summary>
/// Finds the synthetic source's sync marks in decoded media: the white full-frame flash (mean luma of a frame) and the
/// beep (short-time energy of the samples). Pure functions over decoded data; <see cref="SyncMarkAnalyzer"/> decodes files
/// with FFmpeg and calls these. Used by the media tests and by recording tests to measure A/V offset and freezes.
/// </summary>
public static class SyncMarkDetector
{
    /// <summary>A frame counts as a flash when its mean luma (0..255) reaches this; the test card averages about 120.</summary>
    public const double DefaultFlashLuma = 200;

    /// <summary>A 1 ms block counts as beep when its RMS reaches this fraction of full scale; the quiet tone is 0.007.</summary>
    public const double DefaultBeepRms = 0.1;

    /// <summary>Marks are one second apart; anything closer than this to the previous onset is the same mark.</summary>
    public static readonly TimeSpan DefaultHoldOff = TimeSpan.FromMilliseconds(300);

    /// <summary>Mean luma of each frame in a run of 8-bit grey frames of <paramref name="frameSize"/> bytes each.</summary>
    public static double[] MeanLuma(ReadOnlySpan<byte> grayFrames, int frameSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameSize);
        var frames = grayFrames.Length / frameSize;
        var means = new double[frames];
        for (var f = 0; f < frames; f++)
        {
            long sum = 0;
            foreach (var b in grayFrames.Slice(f * frameSize, frameSize))
            {
                sum += b;
            }

            means[f] = (double)sum / frameSize;
        }

        return means;
    }

    /// <summary>Indexes of frames where a flash begins (luma at or above the threshold after a frame below it).</summary>
    public static List<int> FindFlashFrames(ReadOnlySpan<double> frameLuma, double threshold = DefaultFlashLuma)
    {
        var onsets = new List<int>();
        var wasBright = false;
        for (var i = 0; i < frameLuma.Length; i++)
        {
            var bright = frameLuma[i] >= threshold;
            if (bright && !wasBright)
            {
                onsets.Add(i);
            }

            wasBright = bright;
        }

        return onsets;
    }

    /// <summary>Times (seconds from the first sample) where a beep begins, at 1 ms resolution.</summary>
    public static List<double> FindBeepOnsets(ReadOnlySpan<short> samples, int sampleRate, double thresholdRms = DefaultBeepRms, TimeSpan? holdOff = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        var block = Math.Max(1, sampleRate / 1000);
        var threshold = thresholdRms * short.MaxValue;
        var thresholdSquared = threshold * threshold * block;
        var holdOffSamples = (long)((holdOff ?? DefaultHoldOff).TotalSeconds * sampleRate);
        var onsets = new List<double>();
        long lastOnset = long.MinValue / 2;
        for (var start = 0; start + block <= samples.Length; start += block)
        {
            double energy = 0;
            foreach (var s in samples.Slice(start, block))
            {
                energy += (double)s * s;
            }

            if (energy >= thresholdSquared && start - lastOnset >= holdOffSamples)
            {
                onsets.Add((double)start / sampleRate);
                lastOnset = start;
            }
        }

        return onsets;
    }

    /// <summary>Pairs every flash with the nearest beep and returns audio minus video offsets in seconds (positive: sound late).</summary>
    public static List<double> AvOffsets(IReadOnlyList<double> flashTimes, IReadOnlyList<double> beepTimes, double maxPairDistance = 0.5)
    {
        ArgumentNullException.ThrowIfNull(flashTimes);
        ArgumentNullException.ThrowIfNull(beepTimes);
        var offsets = new List<double>();
        foreach (var flash in flashTimes)
        {
            var best = double.NaN;
            foreach (var beep in beepTimes)
            {
                if (Math.Abs(beep - flash) <= maxPairDistance && (double.IsNaN(best) || Math.Abs(beep - flash) < Math.Abs(best)))
                {
                    best = beep - flash;
                }
            }

            if (!double.IsNaN(best))
            {
                offsets.Add(best);
            }
        }

        return offsets;
    }
}
