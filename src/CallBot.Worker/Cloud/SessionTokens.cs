using System.Collections.Concurrent;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cloud;

/// <summary>The process's REST user sessions, one per login, shared by chat login and push events of that user.</summary>
public sealed class SessionTokens(ConnectyCubeApi api, IOptions<CloudOptions> cloud, TimeProvider time, ILoggerFactory loggers, CallBotTelemetry? telemetry = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, UserSession> _sessions = new(StringComparer.Ordinal);

    public ConnectyCubeApi Api => api;

    public UserSession For(ApiCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return _sessions.GetOrAdd(credentials.Login, _ => new UserSession(api, credentials, cloud.Value.TokenLifetime, time, loggers.CreateLogger<UserSession>(), telemetry));
    }

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }
    }
}
