using System.Diagnostics;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Calls;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Bots;

/// <summary>
/// The telemetry side of one bot's calls: opens each call's trace activity, and when the call's session closed builds its
/// <see cref="CallSummary"/> (disposition, duration, media counters of every peer connection, recording files) and records
/// it in the metrics, the activity and the log.
/// </summary>
internal sealed class CallSummaryRecorder(int botUserId, ICallMediaStatsSource? mediaStats, CallBotTelemetry telemetry, TimeProvider time, ILogger logger)
{
    /// <summary>Starts tracking a call: its activity (a root span, not a child of whatever signal started it) and start time.</summary>
    public ActiveCall Begin(CallSession session, CallDirection direction, int remoteUserId)
    {
        var parent = Activity.Current;
        var activity = CallBotTelemetry.ActivitySource.StartActivity(direction == CallDirection.Outgoing ? "call.outgoing" : "call.incoming");
        Activity.Current = parent;
        activity?.SetTag("callbot.session_id", session.Id);
        activity?.SetTag("callbot.bot", botUserId);
        activity?.SetTag("callbot.remote_user", remoteUserId);
        activity?.SetTag("callbot.call_type", session.CallType.ToString());
        telemetry.CallsStarted.Add(1, DirectionTag(direction));
        return new ActiveCall(session, direction, remoteUserId, time.GetUtcNow(), time.GetTimestamp(), activity);
    }

    /// <summary>The summary of a call whose session closed; the media counters are read once and then forgotten by their source.</summary>
    public CallSummary Summarize(ActiveCall call)
    {
        var session = call.Session;
        var peerMedia = PeerMedia(session, call.RemoteUserId);
        var media = peerMedia.GetValueOrDefault(call.RemoteUserId) ?? CallMediaStats.Empty;
        mediaStats?.Forget(session.Id);
        var error = call.Error ?? call.ConnectionError;
        var result = call.Result ?? (call.Accepted
            ? (error is null ? CallDisposition.Completed : CallDisposition.Failed)
            : CallDisposition.NotAnswered);
        return new CallSummary(session.Id, botUserId, call.RemoteUserId, call.Direction, result, session.CallType == CallType.Video,
            call.StartedAt, time.GetElapsedTime(call.StartTimestamp), media.FirstRemoteFrameAfter, media, RecordingFilesOf(peerMedia, call.RemoteUserId), error)
        {
            EndedByRemote = call.EndedByRemote,
            PeerMedia = peerMedia,
        };
    }

    /// <summary>Counts the ended call by disposition, records its setup time, ends its activity and logs it.</summary>
    public void Record(ActiveCall call, CallSummary summary)
    {
        var direction = DirectionTag(summary.Direction);
        switch (summary.Result)
        {
            case CallDisposition.Rejected or CallDisposition.Busy:
                telemetry.CallsRejected.Add(1, direction, new KeyValuePair<string, object?>("busy", summary.Result == CallDisposition.Busy));
                break;
            case CallDisposition.NotAnswered or CallDisposition.Ignored:
                telemetry.CallsNotAnswered.Add(1, direction);
                break;
            case CallDisposition.Failed:
                telemetry.CallsFailed.Add(1, direction);
                break;
        }

        if (summary.SetupTime is { } setup)
        {
            telemetry.CallSetupTime.Record(setup.TotalMilliseconds, direction);
        }

        if (call.Activity is { } activity)
        {
            activity.SetTag("callbot.result", summary.Result.ToString());
            activity.SetStatus(summary.Result is CallDisposition.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Ok, summary.Error);
            activity.Stop();
        }

        BotLog.Ended(logger, botUserId, summary.SessionId, summary.RemoteUserId, summary.Result, summary.Duration, summary.SetupTime?.TotalMilliseconds, summary.FramesSent, summary.FramesReceived);
    }

    /// <summary>The call was answered: counted once per call and direction.</summary>
    public void Answered(CallDirection direction) => telemetry.CallsAnswered.Add(1, DirectionTag(direction));

    /// <summary>Counters of every peer connection of the call (one in a 1:1 call, up to three in a mesh group).</summary>
    private Dictionary<int, CallMediaStats> PeerMedia(CallSession session, int remoteUserId)
    {
        var peers = new Dictionary<int, CallMediaStats>();
        if (mediaStats is null)
        {
            return peers;
        }

        foreach (var peer in session.PeerUserIds.Append(remoteUserId))
        {
            if (!peers.ContainsKey(peer) && mediaStats.GetStats(session.Id, peer) is { } stats)
            {
                peers[peer] = stats;
            }
        }

        return peers;
    }

    /// <summary>One file per recorded peer, the call's remote user (the caller, or the first callee) first.</summary>
    private static string[] RecordingFilesOf(Dictionary<int, CallMediaStats> peerMedia, int remoteUserId) =>
        [.. peerMedia.OrderBy(p => p.Key == remoteUserId ? 0 : 1).ThenBy(p => p.Key)
            .Select(p => p.Value.RecordingFile)
            .OfType<string>()
            .Where(File.Exists)];

    private static KeyValuePair<string, object?> DirectionTag(CallDirection direction) =>
        new("direction", direction == CallDirection.Outgoing ? "outgoing" : "incoming");
}
