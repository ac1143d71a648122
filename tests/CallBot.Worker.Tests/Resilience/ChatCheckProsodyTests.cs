using CallBot.Signaling;
using CallBot.Signaling.Xmpp;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using CallBot.Worker.Resilience;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>The chat step of an attempt against a real Prosody: ping, and the forced reconnect of <see cref="IChatReconnect"/>.</summary>
public sealed class ChatCheckProsodyTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ping_answers_when_online_and_ReconnectAsync_drops_the_connection_and_comes_back_online()
    {
        await prosody.RegisterUserAsync(8501, 1, "bot-secret");
        var chat = new ChatOptions { Endpoint = prosody.WebSocketEndpoint.ToString(), Domain = ProsodyFixture.Domain, TrustedCertificateFile = prosody.CertificatePath };
        await using var client = new XmppClient(ChatTransportFactory.CreateXmppOptions(chat, 8501, "bot-secret"));
        await client.ConnectAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var states = new List<ChatConnectionState>();
        client.StateChanged += (_, e) =>
        {
            lock (states)
            {
                states.Add(e.Current);
            }
        };

        Assert.Equal(ChatCheckResult.Pinged, await ChatCheck.EnsureOnlineAsync(client, TimeSpan.FromSeconds(5), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct));
        var attempts = client.ConnectAttempts;

        await client.ReconnectAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(ChatConnectionState.Online, client.State);
        Assert.Equal(attempts + 1, client.ConnectAttempts);
        lock (states)
        {
            Assert.Equal([ChatConnectionState.Reconnecting, ChatConnectionState.Online], states);
        }

        await client.PingAsync(TimeSpan.FromSeconds(5), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }
}
