using System.Globalization;
using System.Threading.Channels;
using CallBot.Abstractions;
using CallBot.Recording;
using CallBot.Rtc;
using CallBot.TestSupport.Chromium;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// Headless Chromium (fake camera + microphone through getUserMedia) offers audio + video to a CallBot RtcPeerConnection
/// whose transceivers feed a ParticipantRecorder; after N seconds the call ends and the recording is finalized. The file
/// must pass ffprobe with both streams, decode with no FFmpeg error and last the recorded time ± 0.5 s.
/// Run in a network namespace that has only lo (scripts/test.sh).
/// </summary>
public sealed class ChromiumRecordingTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const double DurationTolerance = 0.5;
    private static readonly TimeSpan CallDuration = TimeSpan.FromSeconds(6);

    [Theory]
    [InlineData(CodecId.Vp8, "vp8", ".webm")]
    [InlineData(CodecId.H264, "h264", ".mkv")]
    public async Task Chromium_fake_camera_and_mic_recorded_by_CallBot_probe_decode_and_last_the_call(CodecId videoCodec, string ffprobeCodec, string extension)
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Directory.CreateTempSubdirectory("callbot-rece2e-chromium-").FullName;
        var page = await chromium.NewPageAsync();
        var chrome = new ChromiumSenderPage(page);
        var callBot = CallBotPeers.Create(CallBotPeers.LoopbackOptions([videoCodec]), "callbot");
        var toChrome = Channel.CreateUnbounded<LocalIceCandidate>();
        var chromeHasAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var session = new RecordingSession("chromium-" + videoCodec, new RecordingOptions { RootDirectory = root });
        try
        {
            var audio = callBot.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
            var video = callBot.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
            var recorder = session.AddParticipant("chromium", CodecId.Opus, videoCodec);
            using var wiring = new RecorderWiring(audio, video, recorder);
            callBot.LocalCandidate += (_, c) => toChrome.Writer.TryWrite(c);
            var candidatePump = Task.Run(async () =>
            {
                await chromeHasAnswer.Task;
                await foreach (var c in toChrome.Reader.ReadAllAsync())
                {
                    if (c.Candidate is not null)
                    {
                        await chrome.AddCandidateAsync(c);
                    }
                }
            }, ct);
            await chrome.SetupAsync((candidate, mid, index) => callBot.AddRemoteCandidate(candidate, mid, index));

            var offer = await chrome.CreateOfferAsync();
            Assert.Contains(videoCodec == CodecId.H264 ? "H264/90000" : "VP8/90000", offer, StringComparison.Ordinal);
            await callBot.SetRemoteOfferAsync(offer, ct);
            await chrome.SetRemoteAnswerAsync(await callBot.CreateAnswerAsync(ct));
            chromeHasAnswer.TrySetResult();
            await CallBotPeers.WaitForConnectedAsync(callBot);

            // The recording starts with the first frame of either kind (audio is kept while the first keyframe is awaited)
            // and ends at hang-up.
            await wiring.WaitUntilAsync(() => wiring.VideoKeyFrames > 0 && wiring.AudioFrames > 0, CallBotPeers.Timeout);
            var started = wiring.FirstFrameAt!.Value;
            var audioAtStart = wiring.AudioFrames;
            await wiring.WaitUntilAsync(() => wiring.AudioFrames - audioAtStart >= (long)(CallDuration.TotalMilliseconds / 20), CallDuration + CallBotPeers.Timeout);
            Assert.Contains(videoCodec == CodecId.H264 ? "H264" : "VP8", await chrome.OutboundVideoMimeTypeAsync(), StringComparison.Ordinal);
            wiring.Dispose();
            var stopped = DateTimeOffset.UtcNow;
            var sidecar = await session.FinalizeAsync();
            toChrome.Writer.TryComplete();
            await candidatePump;

            var info = Assert.Single(sidecar.Participants);
            var file = recorder.OutputPath;
            Assert.EndsWith(extension, file, StringComparison.Ordinal);
            Assert.Equal(RecordingStatus.Completed, info.Status);
            Assert.True(info.Video!.SyncedBySenderReports && info.Audio!.SyncedBySenderReports, "Chromium's RTCP SRs did not reach the recorder");

            using var probe = await RecordingFileChecks.ProbeAsync(file);
            Assert.Equal(ffprobeCodec, RecordingFileChecks.CodecName(probe, "video"));
            Assert.Equal("opus", RecordingFileChecks.CodecName(probe, "audio"));
            await RecordingFileChecks.AssertDecodesCleanlyAsync(file); // no "non monotonically increasing dts" either
            var expected = (stopped - started).TotalSeconds;
            var duration = RecordingFileChecks.FormatDuration(probe);
            TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
                $"{videoCodec}: {file} lasts {duration:0.000} s for {expected:0.000} s of call; video frames written {info.Video.FramesWritten}, audio {info.Audio!.FramesWritten}, keyframe requests {info.KeyFrameRequests}, SRs {info.Video.SenderReports}+{info.Audio.SenderReports}"));
            Assert.InRange(duration, expected - DurationTolerance, expected + DurationTolerance);
        }
        finally
        {
            await session.DisposeAsync();
            await callBot.DisposeAsync();
            await chrome.CloseAsync();
            await page.DisposeAsync();
            if (Environment.GetEnvironmentVariable("RECE2E_KEEP") is null) { Directory.Delete(root, recursive: true); }
        }
    }
}
