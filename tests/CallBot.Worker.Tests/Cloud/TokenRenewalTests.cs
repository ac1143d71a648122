using CallBot.Signaling;
using CallBot.Signaling.Loopback;
using CallBot.Signaling.Xmpp;
using CallBot.TestSupport.Prosody;
using CallBot.TestSupport.Rest;
using CallBot.Worker.Bots;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Worker.Tests.Cloud;

/// <summary>
/// A bot that logs into chat with its REST session token: the recorder plays the API (sessions, expiry as 401 "Required
/// session does not exist"), Prosody plays the cloud's chat (it accepts the current token as the password). When the
/// token expires — on the server before our clock says so, or by our clock (fake time) — the session is renewed and chat
/// reconnects with the new token; REST calls made with an expired token are renewed and repeated once.
/// </summary>
public sealed class TokenRenewalTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private static readonly ApiCredentials Bot = new("renew-bot", "renew-pass-1");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Expired_token_is_renewed_and_chat_reconnects_with_the_new_one()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = CloudTestHost.Create(recorder.BaseUrl);
        var rest = services.GetRequiredService<ConnectyCubeApi>();
        var app = await rest.CreateSessionAsync(null, Ct);
        var user = await rest.SignUpAsync(app.Token, Bot, Ct);
        var userId = (int)user.Id;
        using var session = new UserSession(rest, Bot, TimeSpan.FromMinutes(110), time, NullLogger.Instance);

        // The cloud's chat accepts the session token as the password: the first one the bot will get is session #2.
        await prosody.SetPasswordAsync(userId, FakeCloudApi.AppId, $"token-2-{userId}");
        var chat = new ChatOptions { Endpoint = prosody.WebSocketEndpoint.ToString(), Domain = ProsodyFixture.Domain, AppId = FakeCloudApi.AppId };
        var factory = new ChatTransportFactory(chat, new LoopbackChatHub(), TimeProvider.System, services.GetRequiredService<ILoggerFactory>());
        await using var transport = await factory.ConnectAsync(userId, "not-the-password", Ct, session);
        var client = Assert.IsType<XmppClient>(transport);
        Assert.Equal(ChatConnectionState.Online, client.State);
        Assert.Equal(1, session.SessionsCreated);

        // 1. The server expires the token before our clock does: chat refuses it at the next login, the session is
        //    renewed at once and the bot is online again with token #3.
        api.ExpireTokens();
        await prosody.SetPasswordAsync(userId, FakeCloudApi.AppId, $"token-3-{userId}");
        await client.ReconnectAsync(Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(ChatConnectionState.Online, client.State);
        Assert.Equal(2, session.SessionsCreated);
        Assert.IsType<XmppAuthenticationException>(client.LastError);

        // 2. Our clock says the token is too old (2 h unused > 110 min): renewed before the login, which then succeeds
        //    at the first try with token #4.
        time.Advance(TimeSpan.FromHours(2));
        await prosody.SetPasswordAsync(userId, FakeCloudApi.AppId, $"token-4-{userId}");
        await client.ReconnectAsync(Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(ChatConnectionState.Online, client.State);
        Assert.Equal(3, session.SessionsCreated);
        Assert.IsNotType<XmppAuthenticationException>(client.LastError);

        // Every user session the bot created carried its login, and the renewed ones replaced expired tokens.
        var userSessions = recorder.Requests.Where(r => r.Path == "/session.json" && r.Body.Contains("\"login\":\"renew-bot\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, userSessions.Count);
    }

    [Fact]
    public async Task A_rest_call_with_an_expired_token_renews_the_session_and_runs_once_more()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        await using var services = CloudTestHost.Create(recorder.BaseUrl);
        var rest = services.GetRequiredService<ConnectyCubeApi>();
        var app = await rest.CreateSessionAsync(null, Ct);
        await rest.SignUpAsync(app.Token, Bot, Ct);
        using var session = new UserSession(rest, Bot, TimeSpan.FromMinutes(110), TimeProvider.System, NullLogger.Instance);
        var push = new CallPushEvent([1002], "production", "Incoming call from 1001", VoIP: false, 1001, [1002], "s-1", "audio");
        await session.UseAsync((token, ct) => rest.CreatePushEventAsync(token, push, ct), Ct);

        api.ExpireTokens();
        await session.UseAsync((token, ct) => rest.CreatePushEventAsync(token, push, ct), Ct);

        var events = recorder.Requests.Where(r => r.Path == "/events.json").Select(r => r.Header("cb-token")).ToList();
        Assert.Equal(3, events.Count); // ok, refused (expired), repeated with the renewed token
        Assert.Equal(events[0], events[1]);
        Assert.NotEqual(events[1], events[2]);
        Assert.Equal(2, session.SessionsCreated);
    }
}
