using System.Globalization;
using CallBot.Signaling;
using CallBot.Signaling.Loopback;
using CallBot.Signaling.Xmpp;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Bots;

/// <summary>
/// Logs a bot into chat: XMPP over <c>ws://</c>, <c>wss://</c> or <c>tcp://</c> when <c>CallBot:Chat:Endpoint</c> is set,
/// otherwise the process's embedded <see cref="LoopbackChatHub"/>. Input the chat client refuses is counted as
/// <c>callbot.input.dropped{layer=xmpp}</c>.
/// </summary>
public sealed class ChatTransportFactory
{
    private readonly ChatOptions chat;
    private readonly LoopbackChatHub loopback;
    private readonly TimeProvider time;
    private readonly ILoggerFactory loggers;
    private readonly CallBotTelemetry? telemetry;

    public ChatTransportFactory(ChatOptions chat, LoopbackChatHub loopback, TimeProvider time, ILoggerFactory loggers, CallBotTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(loggers);
        this.chat = chat;
        this.loopback = loopback;
        this.time = time;
        this.loggers = loggers;
        this.telemetry = telemetry;
        if (!UsesLoopback && !chat.ValidateCertificates)
        {
            BotLog.CertificateValidationOff(loggers.CreateLogger<ChatTransportFactory>(), chat.Endpoint);
        }
    }

    public bool UsesLoopback => string.IsNullOrEmpty(chat.Endpoint);

    public LoopbackChatHub Loopback => loopback;

    /// <summary>Returns a transport that is online (throws when the login is refused or the server cannot be reached).</summary>
    /// <param name="passwordSource">Asked for the password at every login instead of <paramref name="password"/> (a REST session token).</param>
    public async Task<IChatTransport> ConnectAsync(int userId, string password, CancellationToken cancellationToken, IXmppPasswordSource? passwordSource = null)
    {
        if (UsesLoopback)
        {
            return loopback.Connect(userId);
        }

        var options = CreateXmppOptions(chat, userId, password);
        options.PasswordSource = passwordSource;
        var client = new XmppClient(options, loggers.CreateLogger<XmppClient>(), time);
        if (telemetry is not null)
        {
            client.InputRefused += (_, e) => telemetry.Dropped("xmpp", e.Reason);
        }
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static XmppClientOptions CreateXmppOptions(ChatOptions chat, int userId, string password)
    {
        ArgumentNullException.ThrowIfNull(chat);
        var endpoint = new Uri(chat.Endpoint);
        return new XmppClientOptions
        {
            Endpoint = endpoint,
            Domain = chat.ResolveDomain(),
            UserName = string.Create(CultureInfo.InvariantCulture, $"{userId}-{chat.AppId}"),
            Password = password,
            TrustedCertificatePath = string.IsNullOrEmpty(chat.TrustedCertificateFile) ? null : chat.TrustedCertificateFile,
            DangerousAcceptAnyServerCertificate = !chat.ValidateCertificates,
            ReconnectMaxDelay = chat.ReconnectMaxDelay,
            TlsMode = chat.TcpTls,
            AllowUnencrypted = chat.AllowUnencrypted,
        };
    }
}
