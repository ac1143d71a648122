using CallBot.Signaling.Xmpp;
using CallBot.TestSupport.Prosody;

namespace CallBot.Signaling.Tests.Xmpp;

/// <summary>Login and message exchange against a real Prosody over every transport.</summary>
public sealed class XmppProsodyTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private async Task<XmppClient> NewClientAsync(Uri endpoint, XmppTlsMode tls = XmppTlsMode.StartTls)
    {
        var (user, password) = await XmppTestClients.NewUserAsync(prosody);
        return await XmppTestClients.ConnectAsync(XmppTestClients.Options(prosody, endpoint, user, password, tls));
    }

    [Fact]
    public async Task Two_clients_over_ws_log_in_and_exchange_headlines()
    {
        await using var a = await NewClientAsync(prosody.WebSocketEndpoint);
        await using var b = await NewClientAsync(prosody.WebSocketEndpoint);
        Assert.Equal(ChatConnectionState.Online, a.State);
        Assert.Matches(@"^\d+-7@localhost/.+$", a.LocalJid);
        await XmppTestClients.ExchangeBothWaysAsync(a, b);
    }

    [Fact]
    public async Task Two_clients_over_tcp_starttls_log_in_and_exchange_headlines()
    {
        await using var a = await NewClientAsync(prosody.TcpEndpoint);
        await using var b = await NewClientAsync(prosody.TcpEndpoint);
        await XmppTestClients.ExchangeBothWaysAsync(a, b);
    }

    [Fact]
    public async Task Wss_client_and_direct_tls_client_exchange_headlines()
    {
        await using var a = await NewClientAsync(prosody.SecureWebSocketEndpoint);
        await using var b = await NewClientAsync(prosody.DirectTlsEndpoint, XmppTlsMode.DirectTls);
        await XmppTestClients.ExchangeBothWaysAsync(a, b);
    }

    [Fact]
    public async Task Ws_and_tcp_clients_talk_to_each_other()
    {
        await using var a = await NewClientAsync(prosody.WebSocketEndpoint);
        await using var b = await NewClientAsync(prosody.TcpEndpoint);
        await XmppTestClients.ExchangeBothWaysAsync(a, b);
    }

    [Fact]
    public async Task Ping_gets_an_answer_over_ws_and_tcp()
    {
        await using var a = await NewClientAsync(prosody.WebSocketEndpoint);
        await using var b = await NewClientAsync(prosody.TcpEndpoint);
        await a.PingAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await b.PingAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Untrusted_certificate_is_refused_by_default()
    {
        var (user, password) = await XmppTestClients.NewUserAsync(prosody);
        var options = XmppTestClients.Options(prosody, prosody.SecureWebSocketEndpoint, user, password);
        options.TrustedCertificatePath = null;
        await using var client = new XmppClient(options);
        var failed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectAttemptFailed += (_, e) => failed.TrySetResult(e.Error);
        _ = client.ConnectAsync(TestContext.Current.CancellationToken);
        var error = await failed.Task.WaitAsync(XmppTestClients.Timeout, TestContext.Current.CancellationToken);
        Assert.IsType<XmppStreamException>(error);
        Assert.Contains("RemoteCertificateChainErrors", error!.Message, StringComparison.Ordinal);
        Assert.NotEqual(ChatConnectionState.Online, client.State);
    }

    [Fact]
    public async Task Wrong_password_is_a_clear_authentication_error_and_is_not_retried()
    {
        var (user, _) = await XmppTestClients.NewUserAsync(prosody);
        var options = XmppTestClients.Options(prosody, prosody.TcpEndpoint, user, "wrong");
        await using var client = new XmppClient(options);
        var ex = await Assert.ThrowsAsync<XmppAuthenticationException>(() => client.ConnectAsync(TestContext.Current.CancellationToken).WaitAsync(XmppTestClients.Timeout, TestContext.Current.CancellationToken));
        Assert.Equal("not-authorized", ex.Condition);
        Assert.Equal(ChatConnectionState.Disconnected, client.State);
        Assert.Equal(1, client.ConnectAttempts);
        Assert.IsType<XmppAuthenticationException>(client.LastError);
    }
}
