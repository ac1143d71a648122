using CallBot.Rtc.Diagnostics;

namespace CallBot.Rtc.Turn;

/// <summary>What <see cref="TurnCounters"/> counts (drops are counted by <see cref="TurnDropReason"/> apart).</summary>
public enum TurnCounter
{
    RequestsSent,
    Retransmissions,
    ErrorResponses,
    Allocations,

    /// <summary>Successful Refresh transactions (including the final one with LIFETIME 0).</summary>
    Refreshes,

    /// <summary>Successful CreatePermission transactions (first installs and refreshes).</summary>
    PermissionRequests,

    /// <summary>Successful ChannelBind transactions (first binds and refreshes).</summary>
    ChannelBinds,
    ChannelDataSent,
    ChannelDataReceived,
    SendIndicationsSent,
    DataIndicationsReceived,
    SendFailures,

    /// <summary>Frames whose handling threw (a bug: every bad input should be a counted drop instead).</summary>
    HandlerFailures,
}

/// <summary>What one TURN client did, for tests and metrics: <c>client.Counters[TurnCounter.Allocations]</c>, drops by reason in <see cref="Drops"/>. Lock-free.</summary>
public sealed class TurnCounters : EnumCounters<TurnCounter>
{
    /// <summary>What was received from the server and dropped, by reason.</summary>
    public EnumCounters<TurnDropReason> Drops { get; } = new();
}
