using CallBot.Load.Scenario;

namespace CallBot.Load.Driver;

/// <summary>What the callee side of a planned call must do.</summary>
public enum CallExpectation
{
    Answer,
    Reject,
    NoAnswer,
}

/// <summary>
/// One planned call: at <see cref="Start"/> (from the start of the run) <see cref="Caller"/> calls every callee; callees
/// answer after <see cref="AnswerDelay"/> (or reject / never answer), the call lasts <see cref="Duration"/> after the
/// accept, and <see cref="Record"/> says whether the caller records the remote media.
/// </summary>
public sealed record CallIntent(
    int Index,
    int Shard,
    TimeSpan Start,
    LoadUser Caller,
    IReadOnlyList<LoadUser> Callees,
    TimeSpan Duration,
    TimeSpan AnswerDelay,
    CallExpectation Expect,
    bool Record)
{
    /// <summary>How long the participants are busy: ring + talk, or the ring timeout for an unanswered call.</summary>
    public TimeSpan Occupancy(TimeSpan ringTimeout) => Expect switch
    {
        CallExpectation.Answer => AnswerDelay + Duration,
        CallExpectation.Reject => AnswerDelay,
        _ => ringTimeout,
    };

    public override string ToString() => $"#{Index} {Caller.Login}→{string.Join(',', Callees.Select(c => c.Login))} at {Start.TotalSeconds:0.###}s for {Duration.TotalSeconds:0.###}s ({Expect}{(Record ? ", record" : "")})";
}
