using CallBot.Worker.Options;

namespace CallBot.Worker.Bots;

/// <summary>What one bot needs to know besides its chat and peer connections.</summary>
public sealed class BotAgentSettings
{
    public required int UserId { get; init; }

    public AnswerPolicyOptions Answer { get; init; } = new();

    /// <summary>Concurrent calls for this bot; a further incoming call is rejected as busy.</summary>
    public int CallsPerBot { get; init; } = 1;

    /// <summary><c>userInfo.maxBandwidth</c> (kbit/s) this bot announces on outgoing calls; 0 = none.</summary>
    public int MaxBandwidthKbps { get; init; }

    /// <summary>How long shutdown waits for hang-ups to go out and sessions to close before it disposes everything.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
