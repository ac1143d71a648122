using System.Globalization;
using System.Text.Json.Nodes;

namespace CallBot.TestSupport.Rest;

/// <summary>
/// Deterministic answers of the ConnectyCube REST routes CallBot uses, shaped like the real API's: sessions (application
/// or user, checked against the users it created), login, users create/delete (a user deletes only itself), push events,
/// and 401 "Required session does not exist" for a token that was expired with <see cref="ExpireTokens"/>. Two instances
/// given the same requests answer the same bytes, so the SDK and CallBot can each talk to one.
/// </summary>
public sealed class FakeCloudApi
{
    public const int AppId = 7;
    public const string AuthKey = "golden-auth-key";
    public const long FirstUserId = 4242;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Id, string Password)> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _expired = new(StringComparer.Ordinal);
    private long _nextUserId = FirstUserId;
    private int _sessions;

    public IReadOnlyCollection<string> Logins
    {
        get
        {
            lock (_gate)
            {
                return [.. _users.Keys];
            }
        }
    }

    public int SessionsCreated => Volatile.Read(ref _sessions);

    /// <summary>Every token issued so far now answers 401, as after two idle hours on the real server.</summary>
    public void ExpireTokens()
    {
        lock (_gate)
        {
            _expired.UnionWith(_tokens.Keys);
        }
    }

    public RecordedAnswer Answer(RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var token = request.Header("CB-Token");
            if (token is not null && (_expired.Contains(token) || !_tokens.ContainsKey(token)))
            {
                return Error(401, """{"base":["Required session does not exist"]}""");
            }

            var body = request.Body.Length > 0 && request.Method is "POST" or "PUT" ? JsonNode.Parse(request.Body) : null;
            switch (request.Method, request.Path)
            {
                case ("POST", "/session.json"):
                    return CreateSession(body);
                case ("POST", "/login.json"):
                    return Login(token, (string?)body?["login"], (string?)body?["password"]);
                case ("POST", "/users.json"):
                    return SignUp(token, (string?)body?["user"]?["login"], (string?)body?["user"]?["password"]);
                case ("POST", "/events.json"):
                    return token is not null && _tokens[token] > 0
                        ? new RecordedAnswer(201, """[{"event":{"id":501,"event_type":"one_shot","notification_channel":{"name":"apns_voip"}}}]""")
                        : Error(403, """{"base":["You don't have appropriate permissions to perform this operation"]}""");
                case ("DELETE", var path) when path.StartsWith("/users/", StringComparison.Ordinal) && path.EndsWith(".json", StringComparison.Ordinal):
                    return Delete(token, path["/users/".Length..^".json".Length]);
                default:
                    return Error(404, """{"base":["Not found"]}""");
            }
        }
    }

    private RecordedAnswer CreateSession(JsonNode? body)
    {
        if (body is null || (int?)body["application_id"] != AppId || (string?)body["auth_key"] != AuthKey)
        {
            return Error(422, """{"base":["Unexpected signature"]}""");
        }

        long userId = 0;
        if (body["user"] is { } user)
        {
            if ((string?)user["login"] is not { } login || !_users.TryGetValue(login, out var known) || known.Password != (string?)user["password"])
            {
                return Error(401, """{"base":["Unauthorized"]}""");
            }

            userId = known.Id;
        }

        var n = Interlocked.Increment(ref _sessions);
        var token = string.Create(CultureInfo.InvariantCulture, $"token-{n}-{userId}");
        _tokens[token] = userId;
        var session = new JsonObject
        {
            ["id"] = n,
            ["user_id"] = userId,
            ["application_id"] = AppId,
            ["token"] = token,
            ["ts"] = 1700000000 + n,
            ["created_at"] = "2026-12-07T00:00:00Z",
            ["updated_at"] = "2026-12-07T00:00:00Z",
        };
        return new RecordedAnswer(201, new JsonObject { ["session"] = session }.ToJsonString());
    }

    private RecordedAnswer Login(string? token, string? login, string? password)
    {
        if (token is null || login is null || !_users.TryGetValue(login, out var user) || user.Password != password)
        {
            return Error(401, """{"base":["Unauthorized"]}""");
        }

        _tokens[token] = user.Id;
        return User(200, user.Id, login);
    }

    private RecordedAnswer SignUp(string? token, string? login, string? password)
    {
        if (token is null)
        {
            return Error(401, """{"base":["Required session does not exist"]}""");
        }

        if (string.IsNullOrEmpty(login) || string.IsNullOrEmpty(password) || password.Length < 8)
        {
            return Error(422, """{"password":["is too short (minimum is 8 characters)"]}""");
        }

        if (_users.ContainsKey(login))
        {
            return Error(422, """{"login":["has already been taken"]}""");
        }

        var id = _nextUserId++;
        _users[login] = (id, password);
        return User(201, id, login);
    }

    private RecordedAnswer Delete(string? token, string idText)
    {
        if (token is null || !long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || _tokens[token] != id)
        {
            return Error(403, """{"base":["You don't have appropriate permissions to perform this operation"]}""");
        }

        foreach (var (login, user) in _users)
        {
            if (user.Id == id)
            {
                _users.Remove(login);
                return new RecordedAnswer(200, string.Empty);
            }
        }

        return Error(404, """{"base":["Entity not found"]}""");
    }

    private static RecordedAnswer User(int status, long id, string login) =>
        new(status, new JsonObject
        {
            ["user"] = new JsonObject { ["id"] = id, ["login"] = login, ["full_name"] = null, ["created_at"] = "2026-12-07T00:00:00Z" },
        }.ToJsonString());

    private static RecordedAnswer Error(int status, string errors) => new(status, $$"""{"errors":{{errors}}}""");
}
