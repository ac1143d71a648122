using System.Globalization;
using System.Xml.Linq;
using CallBot.Signaling;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Loopback;
using CallBot.Worker.Bots;
using CallBot.Worker.Cli;
using CallBot.Worker.Options;
using CallBot.Worker.Tests.Bots;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CallBot.Worker.Tests.Hostile;

/// <summary>Issue 16 rows 6, 7 and 10 as the worker sees them: the allow-list, the chat link's security, the CLI's secrets.</summary>
public sealed class HostileInputWorkerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The hub's transport for the bot, plus a way to hand it a stanza whose <c>from</c> the chat server stamped.</summary>
    private sealed class StampedChat(LoopbackChatEndpoint inner) : IChatTransport
    {
        public string LocalJid => inner.LocalJid;
        public ChatConnectionState State => inner.State;

        public event EventHandler<ChatConnectionStateChangedEventArgs>? StateChanged
        {
            add => inner.StateChanged += value;
            remove => inner.StateChanged -= value;
        }

        public event EventHandler<ChatMessageReceivedEventArgs>? MessageReceived;

        public void Deliver(XElement message) => MessageReceived?.Invoke(this, new ChatMessageReceivedEventArgs(message));

        public Task SendMessageAsync(XElement message, CancellationToken cancellationToken = default) => inner.SendMessageAsync(message, cancellationToken);
        public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => inner.PingAsync(timeout, cancellationToken);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private static XElement CallFrom(string from)
    {
        var stanza = CallSignalCodec.Encode(new CallSignal
        {
            Type = CallSignalType.Call,
            SessionId = Guid.NewGuid().ToString(),
            CallType = CallType.Video,
            CallerId = 1001,
            OpponentIds = [1002],
            Sdp = "v=0\r\n",
        }, "1002-1@chat.loopback", "0123456789abcdef01234567");
        stanza.SetAttributeValue("from", from);
        return stanza;
    }

    [Theory]
    [InlineData("01001-1@chat.loopback/web")]
    [InlineData("1001-999@evil.example/web")]
    [InlineData("1001@other.domain/web")]
    public async Task A_sender_that_only_looks_like_1001_is_not_let_in_by_AllowedCallers_and_the_drop_is_counted(string from)
    {
        await using var h = new BotHarness();
        using var dropped = new MetricCollector<long>(h.Telemetry.InputDropped);
        var chat = new StampedChat(h.Hub.Connect(1002));
        var bot = h.Start(1002, new AnswerPolicyOptions { AllowedCallers = [1001] }, transport: chat);

        chat.Deliver(CallFrom(from));
        await bot.Client.WhenEventsRaisedAsync();

        Assert.Equal(0, bot.ActiveCalls);
        Assert.DoesNotContain(h.Signals, s => s.Signal is "accept" or "reject");
        var measurement = Assert.Single(dropped.GetMeasurementSnapshot());
        Assert.Equal("call", measurement.Tags["layer"]);
        Assert.Contains(measurement.Tags["reason"] as string, new[] { nameof(CallDropReason.ForeignSender), nameof(CallDropReason.Malformed) });

        // The real 1001 of this app and domain is still answered.
        chat.Deliver(CallFrom("1001-1@chat.loopback/web"));
        await bot.Client.WhenEventsRaisedAsync();
        Assert.Equal(1, bot.ActiveCalls);
    }

    [Theory]
    [InlineData("ws://chat.example.com/xmpp-websocket", "StartTls", false)]
    [InlineData("tcp://chat.example.com:5222", "None", false)]
    [InlineData("wss://chat.example.com/xmpp-websocket", "StartTls", true)]
    [InlineData("ws://127.0.0.1:5280/xmpp-websocket", "StartTls", true)]
    [InlineData("ws://localhost:5280/xmpp-websocket", "StartTls", true)]
    public void Clear_text_chat_to_another_host_fails_start_unless_explicitly_allowed(string endpoint, string tls, bool allowed)
    {
        var options = new ChatOptions { Endpoint = endpoint, TcpTls = Enum.Parse<Signaling.Xmpp.XmppTlsMode>(tls) };
        var result = new CallBotOptionsValidator().Validate(null, options);
        if (!allowed)
        {
            Assert.True(result.Failed);
            Assert.Contains("CallBot:Chat:AllowUnencrypted", result.FailureMessage, StringComparison.Ordinal);
            options.AllowUnencrypted = true;
            Assert.True(new CallBotOptionsValidator().Validate(null, options).Succeeded);
            Assert.True(ChatTransportFactory.CreateXmppOptions(options, 5, "p").AllowUnencrypted);
        }
        else
        {
            Assert.True(result.Succeeded, result.FailureMessage);
        }
    }

    [Fact]
    public void Certificate_validation_off_is_warned_about_at_start()
    {
        var warned = new FakeLogCollector();
        using (var loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(warned))))
        {
            _ = new ChatTransportFactory(new ChatOptions { Endpoint = "wss://chat.example.com/ws", ValidateCertificates = false }, new LoopbackChatHub(), TimeProvider.System, loggers);
        }
        Assert.Contains(warned.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("validation is OFF", StringComparison.Ordinal));

        var quiet = new FakeLogCollector();
        using (var loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(quiet))))
        {
            _ = new ChatTransportFactory(new ChatOptions { Endpoint = "wss://chat.example.com/ws" }, new LoopbackChatHub(), TimeProvider.System, loggers);
        }
        Assert.Empty(quiet.GetSnapshot());
    }

    private static (string? Password, string Errors) Resolve(params string[] args)
    {
        var common = new BotCommandOptions();
        var command = new System.CommandLine.RootCommand();
        common.AddTo(command);
        var parse = command.Parse(["--chat", "wss://x/y", "--app-id", "1", "--user", "5", .. args]);
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var password = common.ResolvePassword(parse, new CliOutput(json: false, stdout, stderr));
        return (password, stderr.ToString());
    }

    [Fact]
    public void The_password_comes_from_a_file_without_a_warning_and_from_the_command_line_with_one()
    {
        var file = Path.Combine(Path.GetTempPath(), "callbot-pw-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "s3cret-from-file\n");
        try
        {
            var (fromFile, fileErrors) = Resolve("--password-file", file);
            Assert.Equal("s3cret-from-file", fromFile);
            Assert.Equal(string.Empty, fileErrors);
        }
        finally
        {
            File.Delete(file);
        }

        if (Environment.GetEnvironmentVariable(BotCommandOptions.PasswordVariable) is null)
        {
            var (fromArgs, argErrors) = Resolve("--password", "s3cret-arg");
            Assert.Equal("s3cret-arg", fromArgs);
            Assert.Contains("process list", argErrors, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret-arg", argErrors, StringComparison.Ordinal);
        }

        var (missing, missingErrors) = Resolve("--password-file", file);
        Assert.Null(missing);
        Assert.Contains("cannot read", missingErrors, StringComparison.Ordinal);
    }
}
