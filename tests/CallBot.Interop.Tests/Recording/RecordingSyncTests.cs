using System.Globalization;
using CallBot.Media.Analysis;
using CallBot.Recording;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// A/V sync of a recording between two CallBot peers over loopback UDP: A sends the synthetic card (flash + beep at every
/// whole second, both MediaSenders on one StartTimestamp), B records it; SyncMarkAnalyzer measures beep − flash in the file.
/// </summary>
[Collection(RecordingCollection.Name)]
public sealed class RecordingSyncTests(SyntheticMediaFixture media)
{
    /// <summary>The bound on the measured A/V offset.</summary>
    private const double MaxOffsetSeconds = 0.040;

    /// <summary>Video is resampled to this rate for analysis, so a flash is timed to ±5.6 ms rather than ±16.7 ms (30 fps).</summary>
    private const int AnalysisFrameRate = 90;

    /// <summary>Marks measured at the start and at the end of the file.</summary>
    private const int MarksPerWindow = 5;

    [Fact]
    public async Task Recording_of_a_CallBot_peer_has_av_offset_within_40ms_at_the_start() =>
        await RecordAndMeasureAsync(TimeSpan.FromSeconds(8));

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Recording_of_a_CallBot_peer_has_av_offset_within_40ms_at_the_start_and_after_10_minutes() =>
        await RecordAndMeasureAsync(TimeSpan.FromMinutes(10));

    private async Task RecordAndMeasureAsync(TimeSpan duration)
    {
        await using var call = await RecordedCallBotCall.OverLoopbackAsync();
        call.StartMedia(media);
        await call.RecordForAsync(duration);
        var sidecar = await call.HangUpAndFinalizeAsync();

        var info = Assert.Single(sidecar.Participants);
        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.True(info.Video!.SyncedBySenderReports, "video timestamps never came from RTCP SRs");
        Assert.True(info.Audio!.SyncedBySenderReports, "audio timestamps never came from RTCP SRs");
        await RecordingFileChecks.AssertDecodesCleanlyAsync(call.Recorder.OutputPath);

        var report = await new SyncMarkAnalyzer(media.Ffmpeg).AnalyzeAsync(call.Recorder.OutputPath, SyntheticMediaFixture.FrameRate,
            frameRate: AnalysisFrameRate, cancellationToken: TestContext.Current.CancellationToken);
        // The analyzer times flashes by video frame index and beeps by audio sample index, each from its stream's first
        // packet. Audio is recorded from its first frame and video from its first keyframe, so the streams may start at
        // different file times: put both back on the file's timeline before pairing them.
        var videoStart = await RecordingFileChecks.FirstPacketSecondsAsync(call.Recorder.OutputPath, "v:0");
        var audioStart = await RecordingFileChecks.FirstPacketSecondsAsync(call.Recorder.OutputPath, "a:0");
        var offsets = SyncMarkDetector.AvOffsets(report.FlashTimes.Select(t => t + videoStart).ToList(), report.BeepTimes.Select(t => t + audioStart).ToList());
        var streamStartLag = audioStart - videoStart;
        var wholeSeconds = (int)duration.TotalSeconds;
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
            $"{offsets.Count} marks in {wholeSeconds} s; audio starts {streamStartLag * 1000:0} ms after video; offsets (ms) at start: {Ms(offsets, 0)}; at end: {Ms(offsets, Math.Max(0, offsets.Count - MarksPerWindow))}; longest flash gap {report.LongestFlashGap:0.000} s"));

        // Every second of the call carries a pair (one may be cut at either end), and no video freeze hides one.
        Assert.InRange(offsets.Count, wholeSeconds - 2, wholeSeconds + 1);
        Assert.InRange(report.LongestFlashGap, 0.9, 1.1);
        for (var i = 0; i < MarksPerWindow; i++)
        {
            Assert.InRange(offsets[i], -MaxOffsetSeconds, MaxOffsetSeconds);
            Assert.InRange(offsets[offsets.Count - 1 - i], -MaxOffsetSeconds, MaxOffsetSeconds);
        }

        Assert.All(offsets, o => Assert.InRange(o, -MaxOffsetSeconds, MaxOffsetSeconds));
    }

    private static string Ms(List<double> offsets, int from)
    {
        var parts = new List<string>();
        for (var i = from; i < Math.Min(offsets.Count, from + MarksPerWindow); i++)
        {
            parts.Add((offsets[i] * 1000).ToString("0.0", CultureInfo.InvariantCulture));
        }

        return string.Join(", ", parts);
    }
}
