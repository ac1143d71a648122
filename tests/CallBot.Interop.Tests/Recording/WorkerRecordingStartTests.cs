using System.Globalization;
using System.Text.Json;
using CallBot.Interop.Tests.Bot;
using CallBot.Recording;
using CallBot.Recording.Sidecar;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Bots;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// A worker call between two CallBot bots through Prosody: each bot's recording of the other must start its video with
/// the call's media, not ~1 s later. Audio starts when SRTP is up at the receiver (the file's t = 0 is its first audio
/// frame); the sender's first keyframe often leaves before that and is lost, so the receiver's PLI must be answered at
/// once (CallMediaBinding) — the first video frame in the file is within 300 ms of the first audio frame.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class WorkerRecordingStartTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private const long MaxVideoLagMs = 300;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Both_recordings_of_a_bot_to_bot_call_have_video_within_300ms_of_the_first_audio()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var caller = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: ct);
        await using var callee = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: ct);

        var callerOutcome = await caller.Agent.PlaceCallAsync([callee.UserId], CallType.Video, TimeSpan.FromSeconds(3), cancellationToken: ct).WaitAsync(Timeout, ct);
        Assert.Equal(CallDisposition.Completed, callerOutcome.Result);
        var sessionId = await callee.FirstIncomingCall.WaitAsync(Timeout, ct);
        var calleeOutcome = await callee.EndedAsync(sessionId, Timeout);
        Assert.Equal(CallDisposition.Completed, calleeOutcome.Result);

        foreach (var bot in new[] { caller, callee })
        {
            var participant = Assert.Single(await ReadSidecarAsync(bot.RecordingDirectory, ct));
            Assert.Equal(RecordingStatus.Completed, participant.Status);
            var audioStart = participant.Audio!.StartOffsetMs!.Value;
            var videoStart = participant.Video!.StartOffsetMs!.Value;
            TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
                $"bot {bot.UserId}: audio from {audioStart} ms, video from {videoStart} ms, {participant.KeyFrameRequests} keyframe requests"));
            Assert.InRange(videoStart - audioStart, -MaxVideoLagMs, MaxVideoLagMs);
        }
    }

    private static async Task<List<ParticipantRecordingInfo>> ReadSidecarAsync(string directory, CancellationToken ct)
    {
        var file = Assert.Single(Directory.GetFiles(directory, "session-*.json", SearchOption.AllDirectories));
        await using var stream = File.OpenRead(file);
        var sidecar = await JsonSerializer.DeserializeAsync(stream, SidecarJsonContext.Default.SessionSidecar, ct);
        return sidecar!.Participants;
    }
}
