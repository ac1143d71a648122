namespace CallBot.Worker.Resilience;

public enum IceRestartAttemptOutcome
{
    /// <summary>ICE reached CONNECTED (or COMPLETED) within the attempt.</summary>
    Recovered,
    /// <summary>Chat could not be used or the restart offer failed.</summary>
    Failed,
    /// <summary>The attempt (or the whole budget) ran out of time.</summary>
    TimedOut,
    /// <summary>The call ended during the attempt.</summary>
    Cancelled,
}

/// <summary>What one attempt did and how it ended.</summary>
public sealed record IceRestartAttempt(
    string SessionId,
    int RemoteUserId,
    int Number,
    bool Offerer,
    ChatCheckResult? Chat,
    bool OfferSent,
    IceRestartAttemptOutcome Outcome,
    TimeSpan Duration)
{
    /// <summary>The tag value of <c>callbot.ice.restarts{outcome}</c>.</summary>
    public string OutcomeTag => Outcome switch
    {
        IceRestartAttemptOutcome.Recovered => "recovered",
        IceRestartAttemptOutcome.Failed => "failed",
        IceRestartAttemptOutcome.TimedOut => "timeout",
        _ => "cancelled",
    };
}

/// <summary>Every attempt failed: the call is to be hung up with <see cref="Options.IceRestartOptions.ExhaustedReason"/>.</summary>
public sealed class IceRestartGaveUpEventArgs(string sessionId, int remoteUserId, int attempts, Exception? lastError) : EventArgs
{
    public string SessionId { get; } = sessionId;

    public int RemoteUserId { get; } = remoteUserId;

    public int Attempts { get; } = attempts;

    public Exception? LastError { get; } = lastError;
}
