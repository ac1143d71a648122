using CallBot.Signaling.ConnectyCube;
using System.Xml.Linq;
using CallBot.Signaling.Xmpp;
using CallBot.TestSupport.Prosody;
using Microsoft.Extensions.Logging.Testing;

namespace CallBot.Signaling.Tests.Xmpp;

/// <summary>Builds clients against the fixture and waits for their events with timeouts, never with sleeps.</summary>
internal static class XmppTestClients
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    public const long AppId = 7;
    private static long s_nextUser = 1000;

    public static async Task<(string User, string Password)> NewUserAsync(ProsodyFixture prosody)
    {
        long id = Interlocked.Increment(ref s_nextUser);
        string password = "pw-" + id;
        string user = await prosody.RegisterUserAsync(id, AppId, password);
        return (user, password);
    }

    public static XmppClientOptions Options(ProsodyFixture prosody, Uri endpoint, string user, string password, XmppTlsMode tls = XmppTlsMode.StartTls) => new()
    {
        Endpoint = endpoint,
        TlsMode = tls,
        UserName = user,
        Password = password,
        TrustedCertificatePath = prosody.CertificatePath,
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(100),
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    public static async Task<XmppClient> ConnectAsync(XmppClientOptions options, FakeLogger<XmppClient>? logger = null)
    {
        var client = new XmppClient(options, logger);
        await client.ConnectAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout);
        return client;
    }

    public static XElement Headline(string to, string body) =>
        new("message", new XAttribute("to", to), new XAttribute("type", "headline"), new XAttribute("id", Guid.NewGuid().ToString("N")),
            new XElement("body", body));

    /// <summary>Completes with the first message whose body matches.</summary>
    public static Task<XElement> NextMessageAsync(IChatTransport client, string body)
    {
        var tcs = new TaskCompletionSource<XElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler<ChatMessageReceivedEventArgs>? handler = null;
        handler = (_, e) =>
        {
            if (e.Message.Element(e.Message.Name.Namespace + "body")?.Value == body)
            {
                client.MessageReceived -= handler;
                tcs.TrySetResult(e.Message);
            }
        };
        client.MessageReceived += handler;
        return tcs.Task.WaitAsync(Timeout);
    }

    public static Task WaitForStateAsync(IChatTransport client, ChatConnectionState state)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler<ChatConnectionStateChangedEventArgs> handler = (_, e) =>
        {
            if (e.Current == state)
            {
                tcs.TrySetResult();
            }
        };
        client.StateChanged += handler;
        if (client.State == state)
        {
            tcs.TrySetResult();
        }
        return tcs.Task.WaitAsync(Timeout).ContinueWith(t =>
        {
            client.StateChanged -= handler;
            t.GetAwaiter().GetResult();
        }, TaskScheduler.Default);
    }

    /// <summary>A sends to B and B to A; both arrive with the sender's full JID as <c>from</c>.</summary>
    public static async Task ExchangeBothWaysAsync(XmppClient a, XmppClient b)
    {
        string ab = "a->b " + Guid.NewGuid();
        string ba = "b->a " + Guid.NewGuid();
        var atB = NextMessageAsync(b, ab);
        await a.SendMessageAsync(Headline(ChatJid.Bare(b.LocalJid), ab));
        var gotB = await atB;
        Assert.Equal(a.LocalJid, (string?)gotB.Attribute("from"));
        Assert.Equal("headline", (string?)gotB.Attribute("type"));
        Assert.Equal(XNamespace.Get("jabber:client"), gotB.Name.Namespace);

        var atA = NextMessageAsync(a, ba);
        await b.SendMessageAsync(Headline(b.LocalJid == a.LocalJid ? a.LocalJid : ChatJid.Bare(a.LocalJid), ba));
        var gotA = await atA;
        Assert.Equal(b.LocalJid, (string?)gotA.Attribute("from"));
    }
}
