using CallBot.Signaling.ConnectyCube;
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

    /// <summary>
    /// Completes when this bot's media is encoded. The bot goes online before that (startup logs in and encodes in
    /// parallel); a call that comes earlier is answered once it completes, and outgoing calls wait for it.
    /// </summary>
    public Task MediaReady { get; init; } = Task.CompletedTask;

    /// <summary>How long an incoming call may wait for <see cref="MediaReady"/> (the SDK's <c>answerTimeInterval</c>: the caller gives up then).</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Called once a <c>call</c> went out (push on calls hangs here); must not block.</summary>
    public Action<CallSession>? CallPlaced { get; init; }
}
