using System.Collections.Concurrent;
using System.Globalization;
using CallBot.Media.Pacing;
using CallBot.Recording;
using CallBot.Rtc;
using CallBot.Rtc.Ice;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport;
using CallBot.TestSupport.Network;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;
using CallBot.Worker.Cli;
using CallBot.Worker.Options;
using CallBot.Worker.Resilience;
using CallBot.Worker.Rtc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WorkerRecordingOptions = CallBot.Worker.Options.RecordingOptions;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>The worker's host (media clock, clip cache, DTLS certificate, telemetry), started once per test class, clip encoded once.</summary>
public sealed class FaultHostFixture : IAsyncLifetime
{
    /// <summary>Every fault-test bot sends the clip labelled with this id (one FFmpeg encode for the class).</summary>
    internal const int SharedClipUserId = 1000;

    internal static MediaOptions Media { get; } = new()
    {
        Source = MediaSourceKind.Synthetic,
        Renditions = 1,
        CacheDirectory = Path.Combine(Path.GetTempPath(), "callbot-clips"),
    };

    internal CliHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await CliHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["CallBot:Media:CacheDirectory"] = Media.CacheDirectory,
                ["CallBot:Media:Renditions"] = "1",
            },
            null,
            LogLevel.Warning,
            CancellationToken.None);
        await Host.Services.GetRequiredService<BotMediaProvider>().GetTracksAsync(Media, SharedClipUserId, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}

/// <summary>
/// A real bot (the worker's <see cref="BotAgent"/>, real <see cref="RtcPeerConnection"/>s, chat through Prosody on loopback)
/// whose media sockets live in a lab namespace; recordings in a temp directory of its own.
/// </summary>
internal sealed class FaultBot : IAsyncDisposable
{
    public const string Password = "bot-secret";
    public const int AppId = 1;

    private readonly ConcurrentDictionary<(string Session, int User), PeerConnectionAdapter> _connections = new();
    private readonly ILoggerFactory _loggers;

    private FaultBot(BotAgent agent, ILoggerFactory loggers, string recordingDirectory)
    {
        Agent = agent;
        _loggers = loggers;
        RecordingDirectory = recordingDirectory;
    }

    public BotAgent Agent { get; }

    public int UserId => Agent.UserId;

    public string RecordingDirectory { get; }

    public static async Task<FaultBot> StartAsync(FaultHostFixture host, ProsodyFixture prosody, LabNamespace ns, int userId, IceRestartOptions iceRestart, CancellationToken ct)
    {
        await prosody.RegisterUserAsync(userId, AppId, Password);
        var services = host.Host.Services;
        var runtime = host.Host.Runtime;
        var time = services.GetRequiredService<TimeProvider>();
        var id = userId.ToString(CultureInfo.InvariantCulture);
        var loggers = LoggerFactory.Create(b => b.AddProvider(TestLog.ToTestOutput(id)));
        var directory = Path.Combine(Path.GetTempPath(), $"callbot-fault-{id}-{Guid.NewGuid():N}"[..40]);
        var recordings = new CallRecordings(
            CallBotRuntime.RecorderOptionsFor(new WorkerRecordingOptions { Enabled = true, Directory = directory }, userId),
            time, loggers, services.GetRequiredService<RecordingMetrics>());
        var tracks = await services.GetRequiredService<BotMediaProvider>().GetTracksAsync(FaultHostFixture.Media, FaultHostFixture.SharedClipUserId, ct);
        var pcOptions = new PeerConnectionOptions
        {
            Ice = new IceOptions { IncludeIPv6 = false, AllowPrivateRemoteCandidates = true }, // the lab namespaces use 10.213.0.0/16
            SocketFactory = new NamespaceSocketFactory(ns),
        };
        var inner = new RtcPeerConnectionFactory(pcOptions, runtime.Certificate, services.GetRequiredService<MediaClock>(), tracks, recordings, runtime.Telemetry, time, loggers);
        var chat = new ChatOptions
        {
            Endpoint = prosody.WebSocketEndpoint.ToString(),
            Domain = ProsodyFixture.Domain,
            AppId = AppId,
            TrustedCertificateFile = prosody.CertificatePath,
            ReconnectMaxDelay = TimeSpan.FromSeconds(2),
        };
        var transport = await new ChatTransportFactory(chat, runtime.Loopback, time, loggers).ConnectAsync(userId, Password, ct);
        var settings = new BotAgentSettings
        {
            UserId = userId,
            Answer = new AnswerPolicyOptions { MaxCallDuration = TimeSpan.Zero },
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        FaultBot? bot = null;
        var peers = new Tracking(inner, (key, adapter) => bot!._connections[key] = adapter);
        var agent = new BotAgent(settings, transport, peers, peers, CallBotRuntime.CallClientOptionsFor(new VideoChatOptions(), iceRestart), runtime.Limiter, recordings, runtime.Telemetry, time, loggers,
            new IceRestartSupervisor(IceRestartShared.Create(transport, iceRestart, IceRestartResilience.Build(iceRestart, time, loggers), runtime.Telemetry, time, loggers)));
        bot = new FaultBot(agent, loggers, directory);
        return bot;
    }

    public PeerConnectionAdapter Connection(string sessionId, int remoteUserId) =>
        _connections.TryGetValue((sessionId, remoteUserId), out var adapter) ? adapter : throw new InvalidOperationException($"bot {UserId} has no connection with {remoteUserId} in {sessionId}");

    /// <summary>RTP packets received from that peer so far (all streams).</summary>
    public long PacketsFrom(string sessionId, int remoteUserId)
    {
        long total = 0;
        foreach (var inbound in Connection(sessionId, remoteUserId).PeerConnection.GetStats().Inbound)
        {
            total += inbound.PacketsReceived;
        }

        return total;
    }

    /// <summary>The worker's media counters (frames assembled, recording) of that peer.</summary>
    public CallMediaStats Stats(string sessionId, int remoteUserId) => Connection(sessionId, remoteUserId).GetStats();

    public CandidatePairStats? SelectedPair(string sessionId, int remoteUserId) => Connection(sessionId, remoteUserId).PeerConnection.GetStats().SelectedCandidatePair;

    public IceConnectionState IceState(string sessionId, int remoteUserId) => Connection(sessionId, remoteUserId).PeerConnection.IceConnectionState;

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        _loggers.Dispose();
        if (Environment.GetEnvironmentVariable("CALLBOT_KEEP_RECORDINGS") is null && Directory.Exists(RecordingDirectory))
        {
            Directory.Delete(RecordingDirectory, recursive: true);
        }
    }

    /// <summary>The worker's factory, unchanged, remembering each adapter so the test can read its peer connection.</summary>
    private sealed class Tracking(RtcPeerConnectionFactory inner, Action<(string, int), PeerConnectionAdapter> created) : ICallPeerConnectionFactory, ICallMediaStatsSource
    {
        public event EventHandler<FirstRemoteFrameEventArgs>? FirstRemoteFrame
        {
            add => inner.FirstRemoteFrame += value;
            remove => inner.FirstRemoteFrame -= value;
        }

        public ICallPeerConnection Create(CallPeerContext context)
        {
            var connection = inner.Create(context);
            if (connection is PeerConnectionAdapter adapter)
            {
                created((context.SessionId, context.RemoteUserId), adapter);
            }

            return connection;
        }

        public CallMediaStats? GetStats(string sessionId, int remoteUserId) => inner.GetStats(sessionId, remoteUserId);

        public void Forget(string sessionId) => inner.Forget(sessionId);
    }
}
