using CallBot.Signaling.Xmpp;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Cloud;

/// <summary>
/// One user's REST session token: created on first use, reused while fresh, renewed when it has gone unused for
/// <see cref="CloudOptions.TokenLifetime"/> or the server refused it (REST 401 "Required session does not exist", or chat
/// SASL refusing the token as a password). It is also the bot's chat password: ConnectyCube chat accepts the session
/// token in place of the user's password, which is how the SDK logs in users it authenticated over REST.
/// </summary>
public sealed partial class UserSession : IXmppPasswordSource, IDisposable
{
    private readonly ConnectyCubeApi _api;
    private readonly ApiCredentials _credentials;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly CallBotTelemetry? _telemetry;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _lastUsed;
    private int _created;

    public UserSession(ConnectyCubeApi api, ApiCredentials credentials, TimeSpan lifetime, TimeProvider time, ILogger logger, CallBotTelemetry? telemetry = null)
    {
        _api = api ?? throw new ArgumentNullException(nameof(api));
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _lifetime = lifetime;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _telemetry = telemetry;
    }

    public string Login => _credentials.Login;

    /// <summary>The user id the last session named (0 before the first).</summary>
    public long UserId { get; private set; }

    /// <summary>Sessions created so far (the first one included).</summary>
    public int SessionsCreated => Volatile.Read(ref _created);

    /// <summary>A token that is fresh by <see cref="CloudOptions.TokenLifetime"/>, creating a session when needed.</summary>
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            if (_token is not null && now - _lastUsed < _lifetime)
            {
                _lastUsed = now;
                return _token;
            }

            var renewing = _token is not null || Volatile.Read(ref _created) > 0;
            var session = await _api.CreateSessionAsync(_credentials, cancellationToken).ConfigureAwait(false);
            _token = session.Token;
            UserId = session.UserId;
            _lastUsed = _time.GetUtcNow();
            Interlocked.Increment(ref _created);
            if (renewing)
            {
                Log.Renewed(_logger, _credentials.Login, session.UserId);
                if (_telemetry?.CloudSessionRenewals.Enabled == true)
                {
                    _telemetry.CloudSessionRenewals.Add(1);
                }
            }
            else
            {
                Log.Created(_logger, _credentials.Login, session.UserId);
            }

            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="token"/> if it is still the current one, so the next use creates a session.</summary>
    public void Invalidate(string token)
    {
        _gate.Wait();
        try
        {
            if (string.Equals(_token, token, StringComparison.Ordinal))
            {
                _token = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs a REST call with the token; when the server says the session expired, renews it and runs the call once more.</summary>
    public async Task UseAsync(Func<string, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await call(token, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectyCubeApiException ex) when (ex.SessionExpired)
        {
            Invalidate(token);
            await call(await GetTokenAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    ValueTask<string> IXmppPasswordSource.GetPasswordAsync(CancellationToken cancellationToken) => GetTokenAsync(cancellationToken);

    /// <summary>Chat refused the token: it expired on the server before our clock said so. A new session is worth one try.</summary>
    ValueTask<bool> IXmppPasswordSource.RefusedAsync(string password, CancellationToken cancellationToken)
    {
        Log.ChatRefusedToken(_logger, _credentials.Login);
        Invalidate(password);
        return ValueTask.FromResult(true);
    }

    public void Dispose() => _gate.Dispose();

    private static partial class Log
    {
        [LoggerMessage(5211, LogLevel.Information, "REST session created for {Login} (user {UserId})")]
        public static partial void Created(ILogger logger, string login, long userId);

        [LoggerMessage(5212, LogLevel.Information, "REST session renewed for {Login} (user {UserId})")]
        public static partial void Renewed(ILogger logger, string login, long userId);

        [LoggerMessage(5213, LogLevel.Warning, "Chat refused the session token of {Login}; renewing the session")]
        public static partial void ChatRefusedToken(ILogger logger, string login);
    }
}
