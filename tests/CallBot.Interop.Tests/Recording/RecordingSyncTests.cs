using System.Globalization;
using CallBot.Abstractions;
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
    /// <summary>The issue's bound on the measured A/V offset.</summary>
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
        var diagnostics = string.Create(CultureInfo.InvariantCulture,
            $"{offsets.Count} marks in {wholeSeconds} s; audio starts {streamStartLag * 1000:0} ms after video; offsets (ms) at start: {Ms(offsets, 0)}; at end: {Ms(offsets, Math.Max(0, offsets.Count - MarksPerWindow))}; longest flash gap {report.LongestFlashGap:0.000} s")
            + "\n" + SyncDiagnostics(call, info, report, videoStart, audioStart);
        TestContext.Current.SendDiagnosticMessage(diagnostics);
        TestContext.Current.TestOutputHelper?.WriteLine(diagnostics);

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

    /// <summary>
    /// Where an offset at the start can come from: each SR's mapping of media time 0 (when the first flash and beep were
    /// due at the sender; a late SR maps it late), the recorder's stream starts and realignments, the first marks found.
    /// </summary>
    private static string SyncDiagnostics(RecordedCallBotCall call, ParticipantRecordingInfo info, SyncMarkReport report, double videoStart, double audioStart)
    {
        var text = new System.Text.StringBuilder();
        var startUs = call.Sender.StartedAtUtc.ToUnixTimeMilliseconds() * 1000.0;
        foreach (var kind in new[] { MediaKind.Audio, MediaKind.Video })
        {
            var first = kind == MediaKind.Audio ? call.Wiring.FirstAudioTimestamp : call.Wiring.FirstVideoTimestamp;
            var rate = kind == MediaKind.Audio ? 48_000.0 : 90_000.0;
            text.Append(CultureInfo.InvariantCulture, $"{kind} SRs, media 0 mapped at (ms after due) / SR arrival (ms after start):");
            foreach (var sr in call.Wiring.SenderReportLog.Where(r => r.Kind == kind).Take(4))
            {
                var mediaZeroUs = NtpTime.ToUnixMicroseconds(sr.Ntp) - unchecked((int)(sr.Rtp - (uint)(first ?? 0))) * 1e6 / rate;
                text.Append(CultureInfo.InvariantCulture, $" {(mediaZeroUs - startUs) / 1000:0.0}/{(sr.At.ToUnixTimeMilliseconds() * 1000.0 - startUs) / 1000:0}");
            }

            text.Append('\n');
        }

        foreach (var kind in new[] { MediaKind.Audio, MediaKind.Video })
        {
            var first = kind == MediaKind.Audio ? call.Wiring.FirstAudioTimestamp : call.Wiring.FirstVideoTimestamp;
            var rate = kind == MediaKind.Audio ? 48_000.0 : 90_000.0;
            text.Append(CultureInfo.InvariantCulture, $"{kind} frames, media ms / arrival after due ms:");
            foreach (var f in call.Wiring.FirstFramesLog.Where(f => f.Kind == kind).Take(20))
            {
                var mediaMs = (f.Timestamp - (first ?? 0)) * 1000 / rate;
                text.Append(CultureInfo.InvariantCulture, $" {mediaMs:0}/{(f.At - call.Sender.StartedAtUtc).TotalMilliseconds - mediaMs:0}");
            }

            text.Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture,
            $"file: audio from {audioStart * 1000:0} ms (start offset {info.Audio!.StartOffsetMs}, dropped late {info.Audio.FramesDroppedLate}, silence {info.Audio.SilenceFramesInserted}, last correction {info.Audio.LastSyncCorrectionMs:0.0} ms), video from {videoStart * 1000:0} ms (start offset {info.Video!.StartOffsetMs}, last correction {info.Video.LastSyncCorrectionMs:0.0} ms); first frame reached the recorder {(call.Wiring.FirstFrameAt!.Value - call.Sender.StartedAtUtc).TotalMilliseconds:0} ms after media 0 was due\n");
        text.Append(CultureInfo.InvariantCulture, $"first flashes (s, stream time): {string.Join(", ", report.FlashTimes.Take(3).Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))}; first beeps: {string.Join(", ", report.BeepTimes.Take(3).Select(t => t.ToString("0.000", CultureInfo.InvariantCulture)))}");
        return text.ToString();
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
