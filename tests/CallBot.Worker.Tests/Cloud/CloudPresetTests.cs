using CallBot.TestSupport.Rest;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using CallType = CallBot.Signaling.ConnectyCube.CallType;

namespace CallBot.Worker.Tests.Cloud;

/// <summary>
/// <c>CallBot:Cloud:Preset=ConnectyCube</c> through the real host builder: the SDK's endpoints and ICE servers, each key
/// still overridable; start-time validation of the cloud and push keys; the push of a call, sent and counted, or failed
/// and counted without an exception reaching the call.
/// </summary>
public sealed class CloudPresetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("callbot-preset-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Preset_fills_the_sdk_endpoints_and_ice_servers()
    {
        using var host = Build("""{ "CallBot": { "Cloud": { "Preset": "ConnectyCube", "AuthKey": "k" } } }""");
        var chat = host.Services.GetRequiredService<IOptions<ChatOptions>>().Value;
        var cloud = host.Services.GetRequiredService<IOptions<CloudOptions>>().Value;
        var video = host.Services.GetRequiredService<IOptions<VideoChatOptions>>().Value;

        Assert.Equal("https://api.connectycube.com", cloud.ApiEndpoint);
        Assert.Equal("wss://chat.connectycube.com:5291", chat.Endpoint);
        Assert.Equal("chat.connectycube.com", chat.ResolveDomain());
        Assert.Equal(
            ["stun:stun.l.google.com:19302", "stun:turn.connectycube.com", "turn:turn.connectycube.com:5349?transport=udp", "turn:turn.connectycube.com:5349?transport=tcp"],
            video.IceServers.SelectMany(s => s.AllUrls()));
        Assert.Equal("connectycube", video.IceServers[2].Username);
    }

    [Fact]
    public void Every_preset_key_is_overridable_and_own_ice_servers_replace_the_preset_list()
    {
        using var host = Build("""
            { "CallBot": {
                "Cloud": { "Preset": "ConnectyCube", "AuthKey": "k" },
                "Chat": { "Endpoint": "wss://chat.example.com/ws" },
                "VideoChat": { "IceServers": [ { "Url": "stun:stun.example.com:3478" } ] } } }
            """, "--CallBot:Cloud:ApiEndpoint=https://api.example.com");
        var chat = host.Services.GetRequiredService<IOptions<ChatOptions>>().Value;
        var cloud = host.Services.GetRequiredService<IOptions<CloudOptions>>().Value;
        var video = host.Services.GetRequiredService<IOptions<VideoChatOptions>>().Value;

        Assert.Equal("https://api.example.com", cloud.ApiEndpoint);
        Assert.Equal("wss://chat.example.com/ws", chat.Endpoint);
        Assert.Equal("chat.connectycube.com", chat.Domain); // not overridden: still the preset's
        var server = Assert.Single(video.IceServers);
        Assert.Equal(["stun:stun.example.com:3478"], server.AllUrls());
        Assert.Null(server.Username);
    }

    [Theory]
    [InlineData("""{ "CallBot": { "Cloud": { "ApiEndpoint": "http://api.example.com", "AuthKey": "k" } } }""", "CallBot:Cloud:ApiEndpoint: http:// is allowed only for loopback")]
    [InlineData("""{ "CallBot": { "Bots": [ { "UserId": 5, "Password": "p", "Login": "bot5" } ] } }""", "CallBot:Bots:0:Login: a REST login needs")]
    [InlineData("""{ "CallBot": { "Push": { "Enabled": true } } }""", "CallBot:Push:Enabled: push needs")]
    [InlineData("""{ "CallBot": { "Cloud": { "ApiEndpoint": "https://a.example", "AuthKey": "k" }, "Push": { "Enabled": true }, "Bots": [ { "UserId": 5, "Password": "p", "Role": "Call" } ] } }""", "CallBot:Bots:0:Login: a calling bot needs a REST login")]
    [InlineData("""{ "CallBot": { "Push": { "Environment": "staging" } } }""", "CallBot:Push:Environment")]
    public async Task Bad_cloud_and_push_settings_stop_the_start_naming_the_key(string json, string expected)
    {
        using var host = Build(json);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_of_a_call_is_sent_and_counted_and_a_failure_is_counted_without_throwing()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        await using var services = CloudTestHost.Create(recorder.BaseUrl, extra: new Dictionary<string, string?> { ["CallBot:Push:Enabled"] = "true", ["CallBot:Push:VoIP"] = "false" });
        using var pushes = new MetricCollector<long>(services.GetRequiredService<CallBotTelemetry>().PushSent);
        var rest = services.GetRequiredService<ConnectyCubeApi>();
        var caller = new ApiCredentials("caller-1", "caller-pass-1");
        await rest.SignUpAsync((await rest.CreateSessionAsync(null, Ct)).Token, caller, Ct);
        using var session = new UserSession(rest, caller, TimeSpan.FromHours(1), TimeProvider.System, NullLogger.Instance);
        var notifier = services.GetRequiredService<CallPushNotifier>();

        await notifier.NotifyAsync(session, 4242, [1002, 1003], "session-9", CallType.Audio, Ct);
        var sent = Assert.Single(recorder.Requests, r => r.Path == "/events.json");
        Assert.Contains("\"ids\":\"1002,1003\"", sent.Body, StringComparison.Ordinal);
        var payload = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)System.Text.Json.Nodes.JsonNode.Parse(sent.Body)!["event"]!["message"]!));
        Assert.Equal("""{"message":"Incoming call from 4242","handle":"4242","initiatorId":4242,"opponentsIds":"1002,1003","uuid":"session-9","callType":"audio"}""", payload);

        recorder.Enqueue("POST", "/events.json", new RecordedAnswer(422, """{"errors":{"base":["No subscriptions"]}}"""));
        await notifier.NotifyAsync(session, 4242, [1002], "session-10", CallType.Video, Ct); // completes, never throws
        Assert.Equal(["ok", "failed"], pushes.GetMeasurementSnapshot().Select(m => (string)m.Tags["result"]!));
    }

    private IHost Build(string json, params string[] args)
    {
        var file = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, json);
        var builder = CallBotHost.CreateBuilder(args, file);
        return builder.Build();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
