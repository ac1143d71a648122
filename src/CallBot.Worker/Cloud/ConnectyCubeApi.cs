using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace CallBot.Worker.Cloud;

/// <summary>
/// The ConnectyCube REST calls CallBot makes, written from what the JS SDK 6.1.2 sends (<c>Auth.ts</c>, <c>Users.ts</c>,
/// <c>PushNotifications.ts</c>, <c>Proxy.ts</c>); <c>CloudGoldenTests</c> hold both to the same bytes:
/// <list type="bullet">
/// <item><c>POST {api}/session.json</c> <c>{"application_id":A,"auth_key":K[,"user":{"login":L,"password":P}]}</c>, no token header.
/// This SDK signs nothing: no nonce, timestamp or HMAC signature (older SDKs did; the golden test fails if one appears).</item>
/// <item><c>POST /login.json</c> <c>{"login":L,"password":P}</c>; <c>POST /users.json</c> <c>{"user":{…}}</c>;
/// <c>DELETE /users/{id}.json</c> (no body, form content type); <c>POST /events.json</c> <c>{"event":{…}}</c> — each with <c>CB-Token</c>.</item>
/// </list>
/// JSON bodies carry <c>Content-Type: application/json;charset=utf-8</c>; every request carries <c>CB-SDK</c> (ours names
/// CallBot). Transient failures (connection errors, 408, 429, 5xx, attempt timeout) are retried by the
/// <see cref="PipelineKey"/> pipeline; a 4xx is final. Answers larger than <see cref="MaxResponseBytes"/> are refused.
/// Tokens, passwords and the auth key are never logged.
/// </summary>
public sealed partial class ConnectyCubeApi
{
    public const string HttpClientName = "connectycube-api";
    public const string PipelineKey = "callbot-cloud-api";

    /// <summary>Limit on one answer's body: a session or user is well under 4 KiB; anything near this is not the API.</summary>
    public const int MaxResponseBytes = 256 * 1024;

    /// <summary>Limit on a token we accept (ConnectyCube's are 40–60 characters).</summary>
    public const int MaxTokenLength = 1024;

    public const string SdkHeader = "CB-SDK";
    public const string TokenHeader = "CB-Token";

    private const string JsonContentType = "application/json;charset=utf-8";
    private const string FormContentType = "application/x-www-form-urlencoded; charset=UTF-8";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string SdkValue = $"CallBot {typeof(ConnectyCubeApi).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"} - Client";

    private readonly IHttpClientFactory _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly CloudOptions _cloud;
    private readonly int _appId;
    private readonly CallBotTelemetry? _telemetry;
    private readonly ILogger _logger;

    public ConnectyCubeApi(
        IHttpClientFactory http,
        ResiliencePipelineProvider<string> pipelines,
        IOptions<CloudOptions> cloud,
        IOptions<ChatOptions> chat,
        ILogger<ConnectyCubeApi> logger,
        CallBotTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _pipeline = pipelines.GetPipeline<HttpResponseMessage>(PipelineKey);
        _cloud = cloud.Value;
        _appId = chat.Value.AppId;
        _telemetry = telemetry;
        _logger = logger;
    }

    /// <summary>An application session (no user), or a user session when <paramref name="user"/> is given.</summary>
    public async Task<ApiSession> CreateSessionAsync(ApiCredentials? user, CancellationToken cancellationToken)
    {
        var body = Json(w =>
        {
            w.WriteNumber("application_id", _appId);
            w.WriteString("auth_key", _cloud.AuthKey ?? string.Empty);
            if (user is not null)
            {
                w.WriteStartObject("user");
                w.WriteString("login", user.Login);
                w.WriteString("password", user.Password);
                w.WriteEndObject();
            }
        });
        using var answer = await SendAsync(HttpMethod.Post, "session", token: null, body, "session", cancellationToken).ConfigureAwait(false);
        var session = Member(answer!.RootElement, "session");
        var token = Member(session, "token").GetString() ?? string.Empty;
        if (token.Length is 0 or > MaxTokenLength)
        {
            throw new ConnectyCubeApiException($"session answer carries a token of {token.Length} characters (1–{MaxTokenLength} expected)");
        }

        var userId = session.TryGetProperty("user_id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var value) ? value : 0;
        return new ApiSession(token, userId);
    }

    /// <summary>Upgrades an application session to a user session (<c>ConnectyCube.login</c>).</summary>
    public async Task<ApiUser> LoginAsync(string token, ApiCredentials user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var body = Json(w =>
        {
            w.WriteString("login", user.Login);
            w.WriteString("password", user.Password);
        });
        using var answer = await SendAsync(HttpMethod.Post, "login", token, body, "login", cancellationToken).ConfigureAwait(false);
        return ReadUser(answer!);
    }

    /// <summary>Creates a user (<c>users.signup</c>) with an application session.</summary>
    public async Task<ApiUser> SignUpAsync(string token, ApiCredentials user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var body = Json(w =>
        {
            w.WriteStartObject("user");
            w.WriteString("login", user.Login);
            w.WriteString("password", user.Password);
            w.WriteEndObject();
        });
        using var answer = await SendAsync(HttpMethod.Post, "users", token, body, "signup", cancellationToken).ConfigureAwait(false);
        return ReadUser(answer!);
    }

    /// <summary>Deletes the session's own user (<c>users.delete</c>: only a user can delete itself).</summary>
    public async Task DeleteUserAsync(string token, long userId, CancellationToken cancellationToken)
    {
        var resource = string.Create(CultureInfo.InvariantCulture, $"users/{userId}");
        using var answer = await SendAsync(HttpMethod.Delete, resource, token, body: null, "delete_user", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the push event of an outgoing call (<c>pushnotifications.events.create</c>).</summary>
    public async Task CreatePushEventAsync(string token, CallPushEvent push, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(push);
        var payload = Json(w =>
        {
            w.WriteString("message", push.Message);
            if (push.VoIP)
            {
                w.WriteNumber("ios_voip", 1);
            }

            w.WriteString("handle", push.InitiatorId.ToString(CultureInfo.InvariantCulture));
            w.WriteNumber("initiatorId", push.InitiatorId);
            w.WriteString("opponentsIds", string.Join(',', push.Opponents));
            w.WriteString("uuid", push.SessionId);
            w.WriteString("callType", push.CallType);
        });
        var body = Json(w =>
        {
            w.WriteStartObject("event");
            w.WriteString("notification_type", "push");
            w.WriteStartObject("user");
            w.WriteString("ids", string.Join(',', push.Recipients));
            w.WriteEndObject();
            w.WriteString("environment", push.Environment);
            w.WriteString("message", Convert.ToBase64String(payload));
            w.WriteEndObject();
        });
        using var answer = await SendAsync(HttpMethod.Post, "events", token, body, "push_event", cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonDocument?> SendAsync(HttpMethod method, string resource, string? token, byte[]? body, string operation, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(_cloud.ApiEndpoint))
        {
            throw new ConnectyCubeApiException($"{CloudOptions.Section}:ApiEndpoint is not set");
        }

        // Utils.getUrl: `${api_url}/${route}${resource}.json`.
        var uri = new Uri($"{_cloud.ApiEndpoint.TrimEnd('/')}/{resource}.json");
        var client = _http.CreateClient(HttpClientName);
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(
                async ct =>
                {
                    using var request = BuildRequest(method, uri, token, body);
                    return await client.SendAsync(request, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException)
        {
            Count(operation, "unreachable");
            Log.Unreachable(_logger, method.Method, uri.AbsolutePath, ex.Message);
            throw new ConnectyCubeApiException($"{method.Method} {uri.AbsolutePath}: {ex.Message}", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            Log.Answered(_logger, method.Method, uri.AbsolutePath, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                var reason = ErrorText(bytes);
                var expired = response.StatusCode == HttpStatusCode.Unauthorized && reason.Contains("Required session does not exist", StringComparison.Ordinal);
                Count(operation, expired ? "session_expired" : "refused");
                Log.Refused(_logger, method.Method, uri.AbsolutePath, status, reason);
                throw new ConnectyCubeApiException(status, $"{method.Method} {uri.AbsolutePath}: {status} {reason}", expired);
            }

            Count(operation, "ok");
            if (bytes.Length == 0 || method == HttpMethod.Delete)
            {
                return null;
            }

            try
            {
                return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            }
            catch (JsonException ex)
            {
                throw new ConnectyCubeApiException($"{method.Method} {uri.AbsolutePath}: the answer is not JSON ({ex.Message})", ex);
            }
        }
    }

    private static HttpRequestMessage BuildRequest(HttpMethod method, Uri uri, string? token, byte[]? body)
    {
        var request = new HttpRequestMessage(method, uri);
        // Proxy.buildRequestAndURL: JSON for POST/PUT, the form type otherwise (even without a body).
        request.Content = new ByteArrayContent(body ?? []);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", body is null ? FormContentType : JsonContentType);
        request.Headers.TryAddWithoutValidation(SdkHeader, SdkValue);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation(TokenHeader, token);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static ApiUser ReadUser(JsonDocument answer)
    {
        var user = Member(answer.RootElement, "user");
        var id = Member(user, "id");
        if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var value) || value <= 0)
        {
            throw new ConnectyCubeApiException("user answer has no positive id");
        }

        var login = user.TryGetProperty("login", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString()! : string.Empty;
        return new ApiUser(value, login);
    }

    private static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value
            : throw new ConnectyCubeApiException($"the answer has no '{name}'");

    /// <summary>The server's <c>errors</c> (object of lists or a list) as one line, at most 300 characters.</summary>
    private static string ErrorText(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 4096));
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errors", out var errors))
            {
                text = errors.ToString();
            }
        }
        catch (JsonException)
        {
        }

        text = text.ReplaceLineEndings(" ");
        return text.Length <= 300 ? text : text[..300];
    }

    private static byte[] Json(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void Count(string operation, string outcome)
    {
        if (_telemetry?.CloudRequests.Enabled == true)
        {
            _telemetry.CloudRequests.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5201, LogLevel.Debug, "REST {Method} {Path}: {Status} in {ElapsedMs:0} ms")]
        public static partial void Answered(ILogger logger, string method, string path, int status, double elapsedMs);

        [LoggerMessage(5202, LogLevel.Warning, "REST {Method} {Path} refused: {Status} {Reason}")]
        public static partial void Refused(ILogger logger, string method, string path, int status, string reason);

        [LoggerMessage(5203, LogLevel.Warning, "REST {Method} {Path} failed: {Reason}")]
        public static partial void Unreachable(ILogger logger, string method, string path, string reason);
    }
}
