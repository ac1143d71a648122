using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Options;

/// <summary>
/// The ICE-restart recipe of the ConnectyCube guide as a pipeline: a peer whose connection stays DISCONNECTED or FAILED
/// for <see cref="Threshold"/> gets attempts of "ping chat (reconnect if needed), then <c>iceRestart</c> if we made the
/// offer, else wait for the peer's", with backoff, until it connects or the budget is spent (then the call is hung up
/// with reason <c>ice-restart-exhausted</c>). Section <c>CallBot:IceRestart</c>; times in seconds like the SDK's.
/// </summary>
public sealed class IceRestartOptions
{
    public const string Section = "CallBot:IceRestart";

    /// <summary>Hang-up reason (<c>userInfo.reason</c> and the call outcome's error) when every attempt failed.</summary>
    public const string ExhaustedReason = "ice-restart-exhausted";

    /// <summary>The <c>userInfo</c> key of the hang-up reason.</summary>
    public const string ReasonKey = "reason";

    /// <summary>Run the pipeline at all. Off = the SDK's behaviour (only <c>disconnectTimeInterval</c> applies).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Seconds a peer stays DISCONNECTED/FAILED before the first attempt (the guide's "&gt; 30 seconds").</summary>
    [Range(0.1, 3600)]
    public double Threshold { get; set; } = 30;

    /// <summary>Seconds the chat ping (the guide's <c>chat.pingWithTimeout()</c>) may take before chat is reconnected.</summary>
    [Range(0.1, 600)]
    public double PingTimeout { get; set; } = 5;

    /// <summary>Seconds one attempt may take: chat check, restart offer, and ICE reaching CONNECTED.</summary>
    [Range(0.5, 3600)]
    public double AttemptTimeout { get; set; } = 15;

    /// <summary>Attempts before giving up (the first one included).</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Seconds before the second attempt; doubles (with jitter) per attempt.</summary>
    [Range(0, 3600)]
    public double BackoffDelay { get; set; } = 2;

    /// <summary>Cap of the backoff in seconds.</summary>
    [Range(0, 3600)]
    public double MaxBackoffDelay { get; set; } = 30;

    /// <summary>Seconds all attempts together may take before giving up, whatever <see cref="MaxAttempts"/> says.</summary>
    [Range(1, 86_400)]
    public double Budget { get; set; } = 270;

    /// <summary>
    /// The SDK releases a peer after <c>disconnectTimeInterval</c>; the guide raises it (to 300 s) so an ICE restart can
    /// happen. While the pipeline is on, the effective interval is at least threshold + budget + one attempt, so the
    /// pipeline, not that timer, decides when a disconnected peer is given up.
    /// </summary>
    public TimeSpan EffectiveDisconnectTimeInterval(TimeSpan configured)
    {
        if (!Enabled)
        {
            return configured;
        }

        var minimum = TimeSpan.FromSeconds(Threshold + Budget + AttemptTimeout);
        return configured > minimum ? configured : minimum;
    }
}
