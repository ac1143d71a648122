using System.Collections.Concurrent;
using CallBot.Rtc;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;
using CallBot.Worker.Rtc;
using Microsoft.Extensions.Logging;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// A CallBot bot (the worker's <see cref="BotAgent"/>) logged into the interop Prosody, as a test sees it: its call
/// outcomes as awaitable tasks, its live media counters and its own peer connection for each call.
/// </summary>
public sealed class InteropBot : IAsyncDisposable
{
    private readonly TrackingPeerConnectionFactory _peers;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(CallSummary Outcome, DateTimeOffset At)>> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _accepted = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _firstIncoming = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly ILoggerFactory _loggers;

    internal InteropBot(BotAgent agent, TrackingPeerConnectionFactory peers, string recordingDirectory, ILoggerFactory loggers)
    {
        _loggers = loggers;
        Agent = agent;
        _peers = peers;
        RecordingDirectory = recordingDirectory;
        agent.CallEnded += (_, outcome) => Ended(outcome.SessionId).TrySetResult((outcome, DateTimeOffset.UtcNow));
        agent.CallAccepted += (_, sessionId) => Accepted(sessionId).TrySetResult(sessionId);
        agent.Client.IncomingCall += (_, e) => _firstIncoming.TrySetResult(e.Session.Id);
    }

    public BotAgent Agent { get; }

    public int UserId => Agent.UserId;

    public string RecordingDirectory { get; }

    /// <summary>The session id of the first incoming call.</summary>
    public Task<string> FirstIncomingCall => _firstIncoming.Task;

    /// <summary>Completes with the call's outcome and the wall-clock time the bot raised it.</summary>
    public Task<(CallSummary Outcome, DateTimeOffset At)> WhenEnded(string sessionId) => Ended(sessionId).Task;

    /// <summary>The call's outcome once the bot ended it, or <see cref="TimeoutException"/>.</summary>
    public async Task<CallSummary> EndedAsync(string sessionId, TimeSpan timeout) =>
        (await Ended(sessionId).Task.WaitAsync(timeout, TestContext.Current.CancellationToken)).Item1;

    /// <summary>Completes when the bot accepted that incoming call by policy, or <see cref="TimeoutException"/>.</summary>
    public Task AcceptedAsync(string sessionId, TimeSpan timeout) => Accepted(sessionId).Task.WaitAsync(timeout, TestContext.Current.CancellationToken);

    public CallSession? Session(string sessionId)
    {
        foreach (var session in Agent.Client.Sessions)
        {
            if (session.Id == sessionId)
            {
                return session;
            }
        }

        return null;
    }

    public PeerConnectionAdapter? Connection(string sessionId, int remoteUserId) => _peers.Connection(sessionId, remoteUserId);

    public CallMediaStats Stats(string sessionId, int remoteUserId) => _peers.GetStats(sessionId, remoteUserId) ?? CallMediaStats.Empty;

    /// <summary>
    /// Waits until, from now on, the bot received at least <paramref name="minVideoFrames"/> more video frames and
    /// <paramref name="minAudioFrames"/> more audio frames from <paramref name="remoteUserId"/>. Returns the counters before and after.
    /// </summary>
    public async Task<(CallMediaStats Before, CallMediaStats After)> WaitForMediaFromAsync(
        string sessionId, int remoteUserId, int minVideoFrames, int minAudioFrames, TimeSpan timeout)
    {
        var before = Stats(sessionId, remoteUserId);
        var after = await Poll.UntilAsync(
            () => Stats(sessionId, remoteUserId),
            s => s.VideoFramesReceived - before.VideoFramesReceived >= minVideoFrames && s.AudioFramesReceived - before.AudioFramesReceived >= minAudioFrames,
            timeout,
            s => $"bot {UserId} from {remoteUserId}: video {before.VideoFramesReceived}->{s.VideoFramesReceived}, audio {before.AudioFramesReceived}->{s.AudioFramesReceived}", cancellationToken: TestContext.Current.CancellationToken);
        return (before, after);
    }

    /// <summary>Waits until the bot's connection with <paramref name="remoteUserId"/> in that call reaches <paramref name="state"/>.</summary>
    public Task<PeerConnectionState> WaitForConnectionStateAsync(string sessionId, int remoteUserId, PeerConnectionState state, TimeSpan timeout) =>
        Poll.UntilAsync(
            () => Connection(sessionId, remoteUserId)?.PeerConnection.ConnectionState ?? PeerConnectionState.New,
            s => s == state,
            timeout,
            s => $"bot {UserId} with {remoteUserId}: {s}, expected {state}", cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Hangs up, finalizes recordings, logs out; deletes the recordings unless CALLBOT_KEEP_RECORDINGS is set.</summary>
    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        _loggers.Dispose();
        if (Environment.GetEnvironmentVariable("CALLBOT_KEEP_RECORDINGS") is null && Directory.Exists(RecordingDirectory))
        {
            Directory.Delete(RecordingDirectory, recursive: true);
        }
    }

    private TaskCompletionSource<(CallSummary, DateTimeOffset)> Ended(string sessionId) =>
        _ended.GetOrAdd(sessionId, _ => new TaskCompletionSource<(CallSummary, DateTimeOffset)>(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource<string> Accepted(string sessionId) =>
        _accepted.GetOrAdd(sessionId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
