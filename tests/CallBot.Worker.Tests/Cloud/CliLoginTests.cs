using System.Globalization;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.Prosody;
using CallBot.TestSupport.Rest;
using CallBot.Worker.Bots;
using CallBot.Worker.Cli;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Tests.Cloud;

/// <summary>
/// <c>callbot answer --login</c> through the real command line, in process: a REST user session from login and password
/// (the recorder plays the API), then chat with the session token (Prosody plays the cloud's chat and accepts only that
/// token), the user id taken from the session — no <c>--user</c>. A caller reaches it there. A login the API refuses
/// ends the command with exit 2 before any chat login.
/// </summary>
public sealed class CliLoginTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>, IDisposable
{
    private const int CallerId = 3301;
    private const string CallerPassword = "cli-login-caller";
    private static readonly ApiCredentials Bot = new("cli-login-bot", "cli-login-pass-1");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("callbot-cli-login-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Answer_with_login_logs_into_chat_with_the_rest_session_token_and_takes_a_call()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        await using var services = CloudTestHost.Create(recorder.BaseUrl);
        var rest = services.GetRequiredService<ConnectyCubeApi>();
        var botId = (int)(await rest.SignUpAsync((await rest.CreateSessionAsync(null, Ct)).Token, Bot, Ct)).Id;
        // The cloud's chat accepts the session token as the password: the command's user session is the API's second.
        await prosody.RegisterUserAsync(botId, FakeCloudApi.AppId, $"token-2-{botId}");
        await prosody.RegisterUserAsync(CallerId, FakeCloudApi.AppId, CallerPassword);

        var answering = RunAsync(recorder, Bot.Password, "answer", "--login", Bot.Login, "--policy", "reject", "--calls", "1", "--timeout", "60", "--media", "echo");
        await using var callerHost = await CliHost.StartAsync(new Dictionary<string, string?>
        {
            ["CallBot:Chat:Endpoint"] = prosody.WebSocketEndpoint.ToString(),
            ["CallBot:Chat:Domain"] = ProsodyFixture.Domain,
            ["CallBot:Chat:AppId"] = FakeCloudApi.AppId.ToString(CultureInfo.InvariantCulture),
            ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
            ["CallBot:VideoChat:DialingTimeInterval"] = "1", // re-sent until the answering command is online
            ["CallBot:Media:Source"] = "Echo",
        }, null, LogLevel.Warning, Ct);
        await using var caller = await callerHost.Runtime.StartBotAsync(new BotOptions { UserId = CallerId, Password = CallerPassword, Role = BotRole.Call }, Ct);

        var outcome = await caller.PlaceCallAsync([botId], CallType.Audio, TimeSpan.FromSeconds(1), cancellationToken: Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(CallDisposition.Rejected, outcome.Result); // the bot was online as botId and answered by its policy
        Assert.Equal(0, await answering.WaitAsync(Timeout, Ct));
        var login = Assert.Single(recorder.Requests, r => r.Path == "/session.json" && r.Body.Contains($"\"login\":\"{Bot.Login}\"", StringComparison.Ordinal));
        Assert.Equal(FakeCloudApi.AuthKey, (string?)System.Text.Json.Nodes.JsonNode.Parse(login.Body)!["auth_key"]);
    }

    [Fact]
    public async Task A_login_the_api_refuses_exits_2_without_a_chat_login()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);

        var exit = await RunAsync(recorder, "not-the-password", "answer", "--login", "nobody", "--calls", "1", "--timeout", "5", "--media", "echo").WaitAsync(Timeout, Ct);

        Assert.Equal(2, exit);
        Assert.Single(recorder.Requests, r => r.Path == "/session.json");
    }

    private async Task<int> RunAsync(RestRecorder recorder, string password, params string[] args)
    {
        var keyFile = Path.Combine(_dir, "auth-key");
        var passwordFile = Path.Combine(_dir, "password");
        await File.WriteAllTextAsync(keyFile, FakeCloudApi.AuthKey + "\n", Ct);
        await File.WriteAllTextAsync(passwordFile, password + "\n", Ct);
        string[] common =
        [
            "--chat", prosody.WebSocketEndpoint.ToString(), "--domain", ProsodyFixture.Domain,
            "--app-id", FakeCloudApi.AppId.ToString(CultureInfo.InvariantCulture),
            "--api", recorder.BaseUrl, "--auth-key-file", keyFile, "--password-file", passwordFile,
        ];
        return await CallBotCli.Build().Parse([.. args, .. common]).InvokeAsync(cancellationToken: Ct);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
