using CallBot.Abstractions;

namespace CallBot.Load.Driver;

public enum CallOutcome
{
    /// <summary>Answered, media flowed, hung up normally.</summary>
    Completed,
    Rejected,
    NoAnswer,
    Failed,
}

/// <summary>What happened to one planned call, as the driver measured it. Times are from the moment the call was placed.</summary>
public sealed class CallResult
{
    public required CallIntent Intent { get; init; }

    public required CallOutcome Outcome { get; init; }

    /// <summary>Short, stable reason for a failure (e.g. "ice-timeout", "chat-disconnected"): the errors table groups by it.</summary>
    public string? ErrorReason { get; init; }

    /// <summary>Total time from placing the call to hang-up.</summary>
    public TimeSpan Elapsed { get; init; }

    public TimeSpan? AcceptedAfter { get; init; }

    public TimeSpan? IceConnectedAfter { get; init; }

    public TimeSpan? FirstRemoteFrameAfter { get; init; }

    public int IceRestarts { get; init; }

    public int ChatReconnects { get; init; }

    public IReadOnlyList<StreamResult> Streams { get; init; } = [];

    /// <summary>Each connection's DTLS handshake (ICE connected → keys), on every side where it completed.</summary>
    public IReadOnlyList<TimeSpan> DtlsHandshakes { get; init; } = [];

    /// <summary>The outcome the plan asked for: an expected reject is a success.</summary>
    public bool Succeeded => Outcome == Intent.Expect switch
    {
        CallExpectation.Answer => CallOutcome.Completed,
        CallExpectation.Reject => CallOutcome.Rejected,
        _ => CallOutcome.NoAnswer,
    };

    /// <summary>The error-table key for an unsuccessful call.</summary>
    public string FailureReason => Outcome == CallOutcome.Failed ? ErrorReason ?? "unknown" : $"expected-{Intent.Expect.ToString().ToLowerInvariant()}-got-{Outcome.ToString().ToLowerInvariant()}";
}

/// <summary>
/// One received stream of one participant. Freezes count inter-frame gaps longer than <see cref="FreezeGap"/>;
/// <see cref="LossFraction"/> is 0..1 of packets lost; jitter and RTT in milliseconds (RTT null when unknown).
/// </summary>
public sealed record StreamResult(string Participant, MediaKind Kind, long FramesSent, long FramesReceived, int Freezes, double LossFraction, double JitterMs, double? RttMs)
{
    public static readonly TimeSpan FreezeGap = TimeSpan.FromMilliseconds(500);
}

public sealed record LoginResult(bool Succeeded, TimeSpan Elapsed, string? ErrorReason);
