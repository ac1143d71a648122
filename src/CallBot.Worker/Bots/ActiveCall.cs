using System.Diagnostics;
using CallBot.Signaling.ConnectyCube;

namespace CallBot.Worker.Bots;

/// <summary>A call this bot takes part in, from the first signal until its session closes.</summary>
internal sealed class ActiveCall(CallSession session, CallDirection direction, int remoteUserId, DateTimeOffset startedAt, long startTimestamp, Activity? activity)
{
    public CallSession Session { get; } = session;

    public CallDirection Direction { get; } = direction;

    public int RemoteUserId { get; } = remoteUserId;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public long StartTimestamp { get; } = startTimestamp;

    public Activity? Activity { get; } = activity;

    /// <summary>Set when the call counts against CallsPerBot / CallsPerProcess.</summary>
    public bool HoldsSlot { get; set; }

    public bool Accepted { get; set; }

    /// <summary>Set by the event that decided how the call ends (reject, busy, not answered, failure).</summary>
    public CallDisposition? Result { get; set; }

    public string? Error { get; set; }

    /// <summary>A peer's connection failed and has not come back (cleared when it reconnects).</summary>
    public string? ConnectionError { get; set; }

    /// <summary>The peer sent hangUp.</summary>
    public bool EndedByRemote { get; set; }

    public ITimer? HangUpTimer { get; set; }

    /// <summary>Completes when the callee accepted, or the call ended first.</summary>
    public TaskCompletionSource<bool> Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first remote frame arrived.</summary>
    public TaskCompletionSource MediaStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<CallSummary> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
