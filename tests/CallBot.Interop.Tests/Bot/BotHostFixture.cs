using System.Globalization;
using CallBot.Media.Pacing;
using CallBot.Recording;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport;
using CallBot.TestSupport.Network;
using CallBot.TestSupport.Prosody;
using CallBot.Worker;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;
using CallBot.Worker.Options;
using CallBot.Worker.Rtc;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WorkerRecordingOptions = CallBot.Worker.Options.RecordingOptions;

[assembly: AssemblyFixture(typeof(CallBot.Interop.Tests.Bot.BotHostFixture))]

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// The worker's host (<see cref="CallBotHost.CreateBuilder"/>: media clock, clip cache, telemetry, one DTLS certificate),
/// started once for the test assembly, and the recipe <see cref="CallBotRuntime.StartBotAsync"/> follows to turn a user into
/// a <see cref="BotAgent"/> — with the answer policy, intervals and chat endpoint chosen per bot by the test.
/// Bots send the synthetic card (640x360@30, three-step ladder) and record what they receive.
/// </summary>
public sealed class BotHostFixture : IAsyncLifetime
{
    public const string BotPassword = "bot-secret";
    public const int AppId = 1;

    /// <summary>
    /// The synthetic card is labelled with a user id, and each label is a separate FFmpeg encode (about a minute for the
    /// three-step ladder here): every test bot sends the one clip labelled with this id instead of its own.
    /// </summary>
    private const int SharedClipUserId = 1000;

    private IHost? _host;

    public static MediaOptions Media { get; } = new()
    {
        Source = MediaSourceKind.Synthetic,
        Renditions = 3,
        CacheDirectory = Path.Combine(Path.GetTempPath(), "callbot-clips"),
    };

    private IServiceProvider Services => _host?.Services ?? throw new InvalidOperationException("The bot host is not started.");

    public async ValueTask InitializeAsync()
    {
        var builder = CallBotHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CallBot:Telemetry:HealthPrefix"] = string.Empty,
            ["CallBot:Media:CacheDirectory"] = Media.CacheDirectory,
            ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
        });
        builder.Logging.ClearProviders();
        _host = builder.Build();
        await _host.StartAsync();
        // Encode the clips now, once, rather than inside the first test's call timing.
        await Services.GetRequiredService<BotMediaProvider>().GetTracksAsync(Media, SharedClipUserId, CancellationToken.None);
    }

    /// <summary>Registers <paramref name="userId"/> in Prosody and logs a bot in as that user; ready for calls when it returns.</summary>
    public async Task<InteropBot> StartBotAsync(ProsodyFixture prosody, int userId, BotSpec? spec = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prosody);
        spec ??= new BotSpec();
        await prosody.RegisterUserAsync(userId, AppId, BotPassword);
        var runtime = Services.GetRequiredService<CallBotRuntime>();
        var time = Services.GetRequiredService<TimeProvider>();
        var loggers = LoggerFactory.Create(b => b.AddProvider(TestLog.ToTestOutput("bot")));
        var recordingDirectory = Path.Combine(Path.GetTempPath(), $"callbot-botsdk-{userId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}"[..48]);
        var recordingOptions = new WorkerRecordingOptions { Enabled = true, Directory = recordingDirectory };
        var recordings = new CallRecordings(CallBotRuntime.RecorderOptionsFor(recordingOptions, userId), time, loggers, Services.GetRequiredService<RecordingMetrics>(), spec.Delivery);
        var videoChat = new VideoChatOptions
        {
            AnswerTimeInterval = spec.AnswerTimeInterval,
            DialingTimeInterval = spec.DialingTimeInterval,
            LoopbackCandidatesOnly = true,
            MaxBandwidth = spec.MaxBandwidthKbps,
            AlwaysRelayCalls = spec.AlwaysRelayCalls,
            IceServers = [.. spec.IceServers],
        };
        var tracks = await Services.GetRequiredService<BotMediaProvider>().GetTracksAsync(Media, SharedClipUserId, cancellationToken);
        var peers = new TrackingPeerConnectionFactory(new RtcPeerConnectionFactory(
            CallBotRuntime.PeerConnectionOptionsFor(videoChat, loopbackOnly: true, sockets: spec.Sockets),
            runtime.Certificate,
            Services.GetRequiredService<MediaClock>(),
            tracks,
            recordings,
            runtime.Telemetry,
            time,
            loggers));
        var chat = new ChatOptions
        {
            Endpoint = (spec.SecureWebSocket ? prosody.SecureWebSocketEndpoint : prosody.WebSocketEndpoint).ToString(),
            Domain = ProsodyFixture.Domain,
            AppId = AppId,
            TrustedCertificateFile = prosody.CertificatePath,
        };
        var transport = await new ChatTransportFactory(chat, runtime.Loopback, time, loggers).ConnectAsync(userId, BotPassword, cancellationToken);
        var settings = new BotAgentSettings
        {
            UserId = userId,
            Answer = new AnswerPolicyOptions { Policy = spec.Policy, AnswerDelay = spec.AnswerDelay, MaxCallDuration = TimeSpan.Zero },
            CallsPerBot = spec.CallsPerBot,
            MaxBandwidthKbps = spec.MaxBandwidthKbps,
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        var relay = spec.AdvertisedEndpoint is { } advertised ? new RelayAdvertisingPeerConnectionFactory(peers, () => advertised) : null;
        var agent = new BotAgent(settings, transport, relay ?? (ICallPeerConnectionFactory)peers, peers, CallBotRuntime.CallClientOptionsFor(videoChat), runtime.Limiter, recordings, runtime.Telemetry, time, loggers);
        return new InteropBot(agent, peers, recordingDirectory, loggers);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
