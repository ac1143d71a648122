using System.Net;
using CallBot.Media.Pacing;
using CallBot.Delivery;
using CallBot.Recording;
using CallBot.Rtc;
using CallBot.Rtc.Bwe;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Loopback;
using CallBot.Worker.Calls;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using CallBot.Worker.Resilience;
using CallBot.Worker.Rtc;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using RecorderOptions = CallBot.Recording.RecordingOptions;
using WorkerRecordingOptions = CallBot.Worker.Options.RecordingOptions;

namespace CallBot.Worker.Bots;

/// <summary>
/// What every bot of the process shares — one DTLS certificate, one media clock, one clip cache, one loopback hub, one
/// process-wide call limit — and the recipe that turns a <see cref="BotOptions"/> into a logged-in <see cref="BotAgent"/>.
/// </summary>
public sealed class CallBotRuntime
{
    private readonly Lazy<DtlsCertificate> _certificate = new(() => DtlsCertificate.Generate("CallBot"));
    private readonly ChatOptions _chat;
    private readonly VideoChatOptions _videoChat;
    private readonly IceRestartOptions _iceRestart;
    private readonly ResiliencePipeline _iceRestartPipeline;
    private readonly AnswerPolicyOptions _answer;
    private readonly ConcurrencyOptions _concurrency;
    private readonly MediaOptions _media;
    private readonly WorkerRecordingOptions _recording;
    private readonly TelemetryOptions _telemetryOptions;
    private readonly BotMediaProvider _mediaProvider;
    private readonly MediaClock _clock;
    private readonly CallBotTelemetry _telemetry;
    private readonly RecordingMetrics _recordingMetrics;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly RecordingDelivery? _delivery;
    private readonly ILogger _logger;
    private readonly CloudOptions _cloud;
    private readonly SessionTokens? _sessions;
    private readonly CallPushNotifier? _push;

    // Single-port mode (CallBot:Rtc:SinglePort): one shared socket per family for every bot's calls; it lives as long as the process.
    private readonly Lazy<SharedPortSocketFactory?> _sharedPort;

    public CallBotRuntime(
        IOptions<ChatOptions> chat,
        IOptions<VideoChatOptions> videoChat,
        IOptions<IceRestartOptions> iceRestart,
        ResiliencePipelineProvider<string> pipelines,
        IOptions<AnswerPolicyOptions> answer,
        IOptions<ConcurrencyOptions> concurrency,
        IOptions<MediaOptions> media,
        IOptions<WorkerRecordingOptions> recording,
        IOptions<TelemetryOptions> telemetryOptions,
        BotMediaProvider mediaProvider,
        MediaClock clock,
        CallBotTelemetry telemetry,
        RecordingMetrics recordingMetrics,
        TimeProvider time,
        ILoggerFactory loggers,
        RecordingDelivery? delivery = null,
        IOptions<CloudOptions>? cloud = null,
        SessionTokens? sessions = null,
        CallPushNotifier? push = null,
        IOptions<RtcOptions>? rtc = null)
    {
        _delivery = delivery;
        _chat = chat.Value;
        _videoChat = videoChat.Value;
        _iceRestart = iceRestart.Value;
        _iceRestartPipeline = pipelines.GetPipeline(IceRestartResilience.PipelineName);
        _answer = answer.Value;
        _concurrency = concurrency.Value;
        _media = media.Value;
        _recording = recording.Value;
        _telemetryOptions = telemetryOptions.Value;
        _mediaProvider = mediaProvider;
        _clock = clock;
        _telemetry = telemetry;
        _recordingMetrics = recordingMetrics;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<CallBotRuntime>();
        _cloud = cloud?.Value ?? new CloudOptions();
        _sessions = sessions;
        _push = push;
        var rtcOptions = rtc?.Value ?? new RtcOptions();
        _sharedPort = rtcOptions.SinglePort
            ? new Lazy<SharedPortSocketFactory?>(() => new SharedPortSocketFactory(rtcOptions.ToSharedPortOptions(), logger: loggers.CreateLogger<SharedPortSocketFactory>()))
            : new Lazy<SharedPortSocketFactory?>(() => null);
        Limiter = new CallLimiter(_concurrency.CallsPerProcess);
        Loopback = new LoopbackChatHub(appId: _chat.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Chats = new ChatTransportFactory(_chat, Loopback, time, loggers, telemetry);
    }

    public LoopbackChatHub Loopback { get; }

    public ChatTransportFactory Chats { get; }

    public CallLimiter Limiter { get; }

    public CallBotTelemetry Telemetry => _telemetry;

    public DtlsCertificate Certificate => _certificate.Value;

    /// <summary>Only loopback host candidates (the embedded demo and tests on loopback).</summary>
    public bool LoopbackOnly { get; set; }

    /// <summary>
    /// Logs <paramref name="bot"/> in and returns its agent, online. Its media is encoded meanwhile (once per process, from
    /// the disk cache when it holds the clips): a call that comes before the media is ready is answered once it is.
    /// With a <see cref="BotOptions.Login"/> and <c>CallBot:Cloud</c>, the bot first creates a REST user session and logs
    /// into chat with its token.
    /// </summary>
    public Task<BotAgent> StartBotAsync(BotOptions bot, CancellationToken cancellationToken) => StartBotAsync(bot, decoratePeers: null, cancellationToken);

    /// <summary>
    /// <see cref="StartBotAsync(BotOptions, CancellationToken)"/> with the bot's peer connections built through
    /// <paramref name="decoratePeers"/> (e.g. a benchmark that announces a relay's address instead of the bot's socket);
    /// the bot's stats still come from the undecorated factory.
    /// </summary>
    public async Task<BotAgent> StartBotAsync(BotOptions bot, Func<ICallPeerConnectionFactory, ICallPeerConnectionFactory>? decoratePeers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bot);
        var tracks = PrepareMediaAsync(bot);
        var rest = !string.IsNullOrEmpty(bot.Login) && _cloud.IsConfigured && _sessions is not null
            ? _sessions.For(new ApiCredentials(bot.Login, bot.Password))
            : null;
        var recordings = new CallRecordings(_recording.Enabled ? RecorderOptionsFor(_recording, bot.UserId) : null, _time, _loggers, _recordingMetrics, _delivery);
        var peerOptions = PeerConnectionOptionsFor(_videoChat, LoopbackOnly || _videoChat.LoopbackCandidatesOnly, (bot.Media ?? _media).Stages, _sharedPort.Value, (bot.Media ?? _media).Probing);
        var peers = new RtcPeerConnectionFactory(peerOptions, Certificate, _clock, tracks, recordings, _telemetry, _time, _loggers);
        var transport = await Chats.ConnectAsync(bot.UserId, bot.Password, cancellationToken, rest).ConfigureAwait(false);
        var push = _push is { Enabled: true } && rest is not null ? _push : null;
        var settings = new BotAgentSettings
        {
            UserId = bot.UserId,
            Answer = _answer,
            CallsPerBot = _concurrency.CallsPerBot,
            MaxBandwidthKbps = _videoChat.MaxBandwidth,
            ShutdownTimeout = _telemetryOptions.ShutdownTimeout,
            MediaReady = tracks,
            AnswerTimeout = TimeSpan.FromSeconds(_videoChat.AnswerTimeInterval),
            CallPlaced = push is null ? null : session => _ = push.NotifyAsync(rest!, bot.UserId, session.OpponentIds, session.Id, session.CallType),
        };
        var iceRestart = _iceRestart.Enabled ? new IceRestartSupervisor(IceRestartShared.Create(transport, _iceRestart, _iceRestartPipeline, _telemetry, _time, _loggers)) : null;
        return new BotAgent(settings, transport, decoratePeers?.Invoke(peers) ?? peers, peers, CallClientOptionsFor(_videoChat, _iceRestart), Limiter, recordings, _telemetry, _time, _loggers, iceRestart);
    }

    /// <summary>Starts encoding (or loading) the bot's media; its outcome is logged, never left unobserved.</summary>
    private Task<CallMediaTracks> PrepareMediaAsync(BotOptions bot)
    {
        var started = _time.GetTimestamp();
        var tracks = _mediaProvider.GetTracksAsync(bot.Media ?? _media, bot.UserId, CancellationToken.None);
        _ = tracks.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    BotLog.MediaReady(_logger, bot.UserId, _time.GetElapsedTime(started).TotalMilliseconds);
                }
                else
                {
                    BotLog.MediaFailed(_logger, bot.UserId, t.Exception?.GetBaseException() ?? new OperationCanceledException());
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return tracks;
    }

    /// <summary>
    /// The call client's SDK timings. With the ICE-restart pipeline on, <c>disconnectTimeInterval</c> is raised (as the
    /// guide does) so the pipeline, not that timer, decides when a disconnected peer is given up.
    /// </summary>
    public static CallClientOptions CallClientOptionsFor(VideoChatOptions videoChat, IceRestartOptions? iceRestart = null)
    {
        ArgumentNullException.ThrowIfNull(videoChat);
        var disconnect = TimeSpan.FromSeconds(videoChat.DisconnectTimeInterval);
        return new CallClientOptions
        {
            AnswerTimeInterval = TimeSpan.FromSeconds(videoChat.AnswerTimeInterval),
            DialingTimeInterval = TimeSpan.FromSeconds(videoChat.DialingTimeInterval),
            DisconnectTimeInterval = iceRestart?.EffectiveDisconnectTimeInterval(disconnect) ?? disconnect,
        };
    }

    /// <param name="stages">The media stages (<see cref="MediaOptions.Stages"/>); null or empty = the default set.</param>
    /// <param name="sockets">The host sockets' factory (a shared port in single-port mode); null = a socket per connection.</param>
    /// <param name="probing">Whether the transport-cc send side probes the path (<see cref="MediaOptions.Probing"/>).</param>
    public static PeerConnectionOptions PeerConnectionOptionsFor(VideoChatOptions videoChat, bool loopbackOnly, IReadOnlyList<string>? stages = null, IDatagramSocketFactory? sockets = null, bool probing = true)
    {
        ArgumentNullException.ThrowIfNull(videoChat);
        var servers = new List<IceServerConfig>(videoChat.IceServers.Count);
        foreach (var server in videoChat.IceServers)
        {
            servers.Add(new IceServerConfig(server.AllUrls(), server.Username, server.Credential));
        }

        var interceptors = stages is { Count: > 0 } ? stages : PeerConnectionOptions.DefaultMediaStages;
        return new PeerConnectionOptions
        {
            IceServers = servers,
            RelayOnly = videoChat.AlwaysRelayCalls,
            TurnTrustedRootCertificate = videoChat.LoadTurnTrustedCa(),
            Ice = new IceOptions
            {
                IncludeLoopback = loopbackOnly,
                IncludeIPv6 = !loopbackOnly,
                AllowLoopbackRemoteCandidates = loopbackOnly || videoChat.AllowLoopbackRemoteCandidates,
                AllowPrivateRemoteCandidates = videoChat.AllowPrivateRemoteCandidates,
            },
            HostAddressFilter = loopbackOnly ? IPAddress.IsLoopback : null,
            Interceptors = interceptors,
            TransportCc = TransportCcFor(interceptors, probing),
            SocketFactory = sockets,
        };
    }

    /// <summary>
    /// The transport-cc send side of a bot. Unpaced (no <c>pacer</c> stage), a video frame's packets leave within a
    /// millisecond, so the delay detector gets one packet group per frame: libwebrtc's 20-group trendline would span 667 ms
    /// at 30 fps, where a paced libwebrtc sender (2.5 × its target, 5 ms bursts) gets several groups a frame. Ten groups
    /// keep the window near libwebrtc's span in time; in the bandwidth-step bench the estimate fell late in the first
    /// second of a cap with 20, and a 1 s queue had filled (docs/performance.md § Bandwidth step).
    /// </summary>
    private static TransportCcOptions TransportCcFor(IReadOnlyList<string> interceptors, bool probing)
    {
        const int UnpacedTrendlineWindow = 10;
        var paced = interceptors.Contains("pacer", StringComparer.OrdinalIgnoreCase); // the stage's name in PeerConnectionOptions.MediaStages
        return paced
            ? new TransportCcOptions { Probing = probing }
            : new TransportCcOptions { Probing = probing, TrendlineWindow = UnpacedTrendlineWindow };
    }

    /// <summary>
    /// The recorder settings of one bot. Its sidecar and composite names carry the bot's id, so two bots of one process in
    /// the same call (the demo) do not write the same file.
    /// </summary>
    public static RecorderOptions RecorderOptionsFor(WorkerRecordingOptions recording, int botUserId)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var bot = botUserId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new RecorderOptions
        {
            RootDirectory = recording.Directory,
            PathTemplate = recording.FileNameTemplate,
            Composite = recording.Composite,
            ProduceMp4 = recording.Mp4,
            FinalizeTimeout = recording.FinalizeTimeout,
            MinFreeDiskBytes = recording.MinFreeDiskMB * 1024L * 1024,
            SidecarTemplate = "{date}/{sessionId}/session-{startedAt}-bot" + bot + ".json",
            CompositeTemplate = "{date}/{sessionId}/composite-{startedAt}-bot" + bot + ".webm",
        };
    }
}
