using System.Globalization;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cloud;

/// <summary>
/// <c>CallBot:Push</c>: sends the push event of an outgoing call next to its <c>call</c> signal, in the background — the
/// call never waits for it. Each result is logged and counted (<c>callbot.push.sent</c>, tag <c>result</c>: ok, failed).
/// </summary>
public sealed partial class CallPushNotifier(ConnectyCubeApi api, IOptions<PushOptions> options, CallBotTelemetry telemetry, ILogger<CallPushNotifier> logger)
{
    private readonly PushOptions _options = options.Value;

    public bool Enabled => _options.Enabled;

    /// <summary>Starts the push for a call just placed; the returned task (for tests) never faults.</summary>
    public Task NotifyAsync(UserSession caller, int callerId, IReadOnlyList<int> callees, string sessionId, CallType callType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(callees);
        var push = new CallPushEvent(
            callees,
            _options.Environment,
            _options.Message.Replace("{caller}", callerId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal),
            _options.VoIP,
            callerId,
            callees,
            sessionId,
            callType == CallType.Audio ? "audio" : "video");
        return Task.Run(() => SendAsync(caller, push, cancellationToken), CancellationToken.None);
    }

    private async Task SendAsync(UserSession caller, CallPushEvent push, CancellationToken cancellationToken)
    {
        try
        {
            await caller.UseAsync((token, ct) => api.CreatePushEventAsync(token, push, ct), cancellationToken).ConfigureAwait(false);
            Count("ok");
            Log.Sent(logger, push.SessionId, string.Join(',', push.Recipients));
        }
#pragma warning disable CA1031 // A push is best effort: whatever went wrong is logged and counted, never thrown at the call.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Count("failed");
            Log.Failed(logger, push.SessionId, string.Join(',', push.Recipients), ex.Message);
        }
    }

    private void Count(string result)
    {
        if (telemetry.PushSent.Enabled)
        {
            telemetry.PushSent.Add(1, new KeyValuePair<string, object?>("result", result));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5221, LogLevel.Information, "Push for call {SessionId} sent to {Recipients}")]
        public static partial void Sent(ILogger logger, string sessionId, string recipients);

        [LoggerMessage(5222, LogLevel.Warning, "Push for call {SessionId} to {Recipients} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string sessionId, string recipients, string reason);
    }
}
