using System.Text.Json.Serialization;
using CallBot.Worker.Calls;

namespace CallBot.Worker.Bots;

public enum CallDirection
{
    Outgoing,
    Incoming,
}

/// <summary>How a call ended, from this bot's point of view.</summary>
public enum CallDisposition
{
    /// <summary>Answered and ended by a hang-up (either side) or the duration limit.</summary>
    Completed,

    /// <summary>The callee rejected (outgoing) or we rejected by policy (incoming).</summary>
    Rejected,

    /// <summary>Rejected with <c>busy=true</c>.</summary>
    Busy,

    /// <summary>Rang out without an answer.</summary>
    NotAnswered,

    /// <summary>Incoming call left to ring by the Ignore policy.</summary>
    Ignored,

    /// <summary>Accepted but the connection failed or the call could not be set up.</summary>
    Failed,
}

/// <summary>One call's summary: what happened, how long setup took, what media flowed, what was recorded.</summary>
public sealed record CallSummary(
    string SessionId,
    int BotUserId,
    int RemoteUserId,
    CallDirection Direction,
    CallDisposition Result,
    bool Video,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    TimeSpan? SetupTime,
    [property: JsonIgnore] CallMediaStats Media,
    IReadOnlyList<string> RecordingFiles,
    string? Error)
{
    /// <summary>The peer ended the call with hangUp (rather than this bot, a rejection or a timeout).</summary>
    public bool EndedByRemote { get; init; }

    /// <summary>Counters per remote user: one entry in a 1:1 call, one per other participant in a mesh group call.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<int, CallMediaStats> PeerMedia { get; init; } = new Dictionary<int, CallMediaStats>();

    public long FramesSent => Media.FramesSent;

    public long FramesReceived => Media.FramesReceived;

    public long PacketsLost => Media.PacketsLost;

    /// <summary>Answered, ended normally, and media flowed both ways.</summary>
    public bool MediaFlowed => Result == CallDisposition.Completed && Media.FlowedBothWays(Video);
}
