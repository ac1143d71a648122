using System.Collections.Concurrent;
using CallBot.Load.Driver;
using CallBot.Load.Scenario;
using CallBot.Media.Pacing;
using CallBot.Recording;
using CallBot.Rtc;
using CallBot.Rtc.Transport;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;
using CallBot.Worker.Options;
using CallBot.Worker.Rtc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkerRecordingOptions = CallBot.Worker.Options.RecordingOptions;

namespace CallBot.Worker.Load;

/// <summary>
/// The real <see cref="ILoadCallDriver"/>: each pool user becomes a <see cref="BotAgent"/> logged into the scenario's chat,
/// with its group's impaired sockets; each planned call is placed by its caller's agent while the callees' answer policy
/// is set to the planned outcome (accept after the answer delay, reject, or let it ring). Every bot shares the process's
/// one media clock, DTLS certificate and encoded clip; one <see cref="StreamMonitor"/> timer watches every stream for freezes.
/// In single-port mode every connection's host socket is one of a few shared ports (<see cref="LoadPorts"/>).
/// </summary>
public sealed partial class WorkerLoadCallDriver : ILoadCallDriver, IAsyncDisposable
{
    /// <summary>How long a finished call waits for its callees to close their side before the result is built.</summary>
    public static readonly TimeSpan CalleeCloseTimeout = TimeSpan.FromSeconds(20);

    /// <summary>A chat login that has not succeeded by then fails (the client itself would retry forever).</summary>
    public static readonly TimeSpan LoginTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a call waits for its participants' previous calls to end before it fails as "participant-busy".</summary>
    public static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(30);

    private readonly LoadedScenario _scenario;
    private readonly CallBotRuntime _runtime;
    private readonly BotMediaProvider _media;
    private readonly MediaClock _clock;
    private readonly RecordingMetrics _recordingMetrics;
    private readonly VideoChatOptions _videoChat;
    private readonly MediaOptions _mediaOptions;
    private readonly WorkerRecordingOptions _recording;
    private readonly TelemetryOptions _telemetryOptions;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ImpairmentScheduler _impairment;
    private readonly LoadImpairment _networks;
    private readonly StreamMonitor _monitor;
    private readonly CallLimiter _limiter = new(int.MaxValue);
    private readonly ConcurrentDictionary<long, LoadBot> _bots = new();
    private readonly Lazy<Task<CallMediaTracks>> _tracks;
    private readonly Dictionary<string, IReadOnlyList<(TimeSpan Start, TimeSpan End)>> _windows = new(StringComparer.Ordinal);
    private readonly LoadPorts? _ports;
    private int _firstCall;
    private long _callsEpoch;

    /// <param name="singlePort">Host sockets from a pool of shared ports (<see cref="LoadPorts"/>) rather than one per connection.</param>
    public WorkerLoadCallDriver(LoadedScenario scenario, IServiceProvider services, ImpairmentScheduler? impairment = null, bool singlePort = false)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(services);
        _scenario = scenario;
        _runtime = services.GetRequiredService<CallBotRuntime>();
        _media = services.GetRequiredService<BotMediaProvider>();
        _clock = services.GetRequiredService<MediaClock>();
        _recordingMetrics = services.GetRequiredService<RecordingMetrics>();
        _videoChat = services.GetRequiredService<IOptions<VideoChatOptions>>().Value;
        _mediaOptions = services.GetRequiredService<IOptions<MediaOptions>>().Value;
        _recording = services.GetRequiredService<IOptions<WorkerRecordingOptions>>().Value;
        _telemetryOptions = services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        _time = services.GetRequiredService<TimeProvider>();
        _loggers = services.GetRequiredService<ILoggerFactory>();
        _logger = _loggers.CreateLogger<WorkerLoadCallDriver>();
        _impairment = impairment ?? ImpairmentScheduler.Shared;
        _monitor = new StreamMonitor(_time);
        _networks = new LoadImpairment(scenario, _impairment, _time);
        _ports = singlePort ? new LoadPorts(LoadPorts.PortsFor(scenario.Users.Count, scenario.GroupSize)) : null;
        foreach (var group in scenario.Groups)
        {
            _windows[group.Name] = CallBot.Load.Quality.ImpairmentWindows.Of(group);
        }
        // One encode for every bot of the run (the synthetic card is labelled "user 0"), started by the first login.
        _tracks = new Lazy<Task<CallMediaTracks>>(() => TracksAsync(_media.GetTracksAsync(_mediaOptions, 0, CancellationToken.None), scenario.Source.Media.SendsAudio));
    }

    /// <summary><c>audio: none</c>: the audio m-line is still negotiated (as the SDK does for a muted track) but nothing is sent on it.</summary>
    private static async Task<CallMediaTracks> TracksAsync(Task<CallMediaTracks> encoded, bool sendsAudio)
    {
        var tracks = await encoded.ConfigureAwait(false);
        return sendsAudio ? tracks : new CallMediaTracks(tracks.Video, null);
    }

    /// <summary>The shared ports in single-port mode (null: a socket per connection).</summary>
    internal LoadPorts? Ports => _ports;

    /// <summary>Bots logged in and not yet disposed.</summary>
    public int Bots => _bots.Count;

    public async Task<LoginResult> LoginAsync(LoadUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Id is <= 0 or > int.MaxValue)
        {
            return new LoginResult(false, TimeSpan.Zero, "bad-user-id");
        }

        var tracks = await _tracks.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var id = (int)user.Id;
        var start = _time.GetTimestamp();
        Signaling.IChatTransport transport;
        using var expiry = new CancellationTokenSource(LoginTimeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        try
        {
            transport = await _runtime.Chats.ConnectAsync(id, user.Password, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogLoginFailed(_logger, id, "timeout", $"not online after {LoginTimeout.TotalSeconds:0} s");
            return new LoginResult(false, _time.GetElapsedTime(start), "login-timeout");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLoginFailed(_logger, id, ex.GetType().Name, ex.Message);
            return new LoginResult(false, _time.GetElapsedTime(start), "login:" + ex.GetType().Name);
        }

        var elapsed = _time.GetElapsedTime(start);
        var answer = new AnswerPolicyOptions { Policy = AnswerPolicy.Accept, MaxCallDuration = TimeSpan.Zero };
        var bot = new LoadBot(id, transport, answer, _time) { Group = user.Group };
        var peerOptions = PeerOptionsFor(user);
        var recordings = new CallRecordings(_recording.Enabled ? CallBotRuntime.RecorderOptionsFor(_recording, id) : null, _time, _loggers, _recordingMetrics);
        var plainFactory = new RtcPeerConnectionFactory(peerOptions, _runtime.Certificate, _clock, tracks, new CallRecordings(null, _time, _loggers), _runtime.Telemetry, _time, _loggers);
        var recordingFactory = _recording.Enabled
            ? new RtcPeerConnectionFactory(peerOptions, _runtime.Certificate, _clock, tracks, recordings, _runtime.Telemetry, _time, _loggers)
            : plainFactory;
        var peers = new LoadPeerConnectionFactory(plainFactory, recordingFactory, _monitor, bot.OnConnectionCreated, _time);
        var settings = new BotAgentSettings
        {
            UserId = id,
            Answer = answer,
            CallsPerBot = 1,
            MaxBandwidthKbps = _videoChat.MaxBandwidth,
            ShutdownTimeout = _telemetryOptions.ShutdownTimeout,
        };
        bot.Attach(new BotAgent(settings, transport, peers, peers, CallBotRuntime.CallClientOptionsFor(_videoChat), _limiter, recordings, _runtime.Telemetry, _time, _loggers));
        if (!_bots.TryAdd(user.Id, bot))
        {
            await bot.DisposeAsync().ConfigureAwait(false);
            return new LoginResult(false, elapsed, "duplicate-user");
        }

        return new LoginResult(true, elapsed, null);
    }

    public async Task<CallResult> RunCallAsync(CallIntent intent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        if (Interlocked.Exchange(ref _firstCall, 1) == 0)
        {
            // Blackout windows and group timelines count from the start of the calls.
            Volatile.Write(ref _callsEpoch, _time.GetTimestamp());
            _impairment.ResetEpoch();
            _networks.Start();
        }

        if (!_bots.TryGetValue(intent.Caller.Id, out var caller))
        {
            return Failed(intent, "not-logged-in", TimeSpan.Zero);
        }

        var callees = new List<LoadBot>(intent.Callees.Count);
        var targets = new List<int>(intent.Callees.Count);
        foreach (var user in intent.Callees)
        {
            if (!_bots.TryGetValue(user.Id, out var callee))
            {
                return Failed(intent, "not-logged-in", TimeSpan.Zero);
            }

            callees.Add(callee);
            targets.Add(callee.UserId);
        }

        var participants = new List<LoadBot>(callees.Count + 1) { caller };
        participants.AddRange(callees);
        participants.Sort((a, b) => a.UserId.CompareTo(b.UserId));
        var held = 0;
        try
        {
            foreach (var participant in participants)
            {
                if (!await participant.Turn.WaitAsync(TurnTimeout, cancellationToken).ConfigureAwait(false))
                {
                    return Failed(intent, "participant-busy", TimeSpan.Zero);
                }

                held++;
            }

            using var seats = _ports?.TryAssign([.. participants.Select(p => p.UserId)]);
            if (_ports is not null && seats is null)
            {
                return Failed(intent, "shared-ports-exhausted", TimeSpan.Zero);
            }

            return await PlaceAsync(intent, caller, callees, targets, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            for (var i = 0; i < held; i++)
            {
                participants[i].Turn.Release();
            }
        }
    }

    private async Task<CallResult> PlaceAsync(CallIntent intent, LoadBot caller, List<LoadBot> callees, List<int> targets, CancellationToken cancellationToken)
    {
        foreach (var callee in callees)
        {
            SetAnswer(callee.Answer, intent);
        }

        if (!caller.Agent.IsOnline)
        {
            return Failed(intent, "chat-offline", TimeSpan.Zero);
        }

        var reconnectsBefore = Reconnects(caller, callees);
        var media = new StreamKinds(_scenario.Source.Media.SendsAudio, _scenario.Source.Media.SendsVideo);
        using var closeWaiter = new CalleeCloseWaiter(callees);
        var placedAt = _time.GetTimestamp();
        var probe = caller.BeginOutgoing(callees.Count, intent.Record);
        CallSummary outcome;
        try
        {
            outcome = await caller.Agent.PlaceCallAsync(targets, media.Video ? CallType.Video : CallType.Audio, intent.Duration, timeFromMedia: false, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return Failed(intent, "caller-busy", probe.Elapsed);
        }
        finally
        {
            caller.EndOutgoing();
        }

        var calleesClosed = await closeWaiter.WaitAsync(outcome.SessionId, outcome.Result == CallDisposition.Completed ? CalleeCloseTimeout : TimeSpan.FromSeconds(5), _time, cancellationToken)
            .ConfigureAwait(false);
        var connections = _monitor.Of(outcome.SessionId);
        _monitor.Forget(outcome.SessionId);
        var streams = outcome.Result == CallDisposition.Completed ? CallStreams.Build(connections, media, ParticipantName, new StreamContext(_time, placedAt, Volatile.Read(ref _callsEpoch), GroupName, WindowsOf)) : [];
        var iceRestarts = 0;
        var handshakes = new List<TimeSpan>(connections.Count);
        foreach (var connection in connections)
        {
            iceRestarts += connection.IceRestarts;
            if (connection.Rtp.Transport.DtlsHandshakeDuration is { } handshake)
            {
                handshakes.Add(handshake);
            }
        }

        var (result, reason) = Classify(outcome, probe, streams, media, CallStreams.UnexpectedKind(connections, media), calleesClosed);
        return new CallResult
        {
            Intent = intent,
            Outcome = result,
            ErrorReason = reason,
            Elapsed = probe.Elapsed,
            AcceptedAfter = probe.Accepted,
            IceConnectedAfter = probe.IceConnected,
            FirstRemoteFrameAfter = probe.FirstFrame,
            IceRestarts = iceRestarts,
            DtlsHandshakes = handshakes,
            ChatReconnects = Reconnects(caller, callees) - reconnectsBefore,
            Streams = streams,
        };
    }

    private string GroupName(int userId) => _bots.TryGetValue(userId, out var bot) && bot.Group is { } group ? group : StreamResult.NoGroup;

    private IReadOnlyList<(TimeSpan Start, TimeSpan End)> WindowsOf(int userId) =>
        _bots.TryGetValue(userId, out var bot) && bot.Group is { } group && _windows.TryGetValue(group, out var windows) ? windows : [];

    private string ParticipantName(int userId) => _bots.TryGetValue(userId, out _) ? FindLogin(userId) : userId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string FindLogin(int userId)
    {
        foreach (var user in _scenario.Users)
        {
            if (user.Id == userId)
            {
                return user.Login;
            }
        }

        return userId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The planned outcome from the caller's view, checked against what media did.</summary>
    internal static (CallOutcome Outcome, string? Reason) Classify(
        CallSummary outcome, OutgoingCallProbe probe, IReadOnlyList<StreamResult> streams, StreamKinds media, string? unexpectedKind, bool calleesClosed)
    {
        switch (outcome.Result)
        {
            case CallDisposition.Rejected:
                return (CallOutcome.Rejected, null);
            case CallDisposition.Busy:
                return (CallOutcome.Failed, "callee-busy");
            case CallDisposition.NotAnswered or CallDisposition.Ignored:
                return probe.Accepted is null ? (CallOutcome.NoAnswer, null) : (CallOutcome.Failed, "no-ice-connection");
            case CallDisposition.Failed:
                return (CallOutcome.Failed, outcome.Error is { } error && error.Contains("connection with", StringComparison.Ordinal) ? "ice-failed" : "call-failed");
        }

        if (probe.IceConnected is null)
        {
            return (CallOutcome.Failed, "no-ice-connection");
        }

        foreach (var stream in streams)
        {
            if (stream.FramesReceived == 0 && media.Includes(stream.Kind))
            {
                return (CallOutcome.Failed, "no-media-" + (stream.Kind == Abstractions.MediaKind.Video ? "video" : "audio"));
            }
        }

        if (unexpectedKind is not null)
        {
            // The profile said no video (or no audio), yet frames of that kind arrived.
            return (CallOutcome.Failed, "unexpected-media-" + unexpectedKind);
        }

        return calleesClosed ? (CallOutcome.Completed, null) : (CallOutcome.Failed, "callee-hangup-timeout");
    }

    private static void SetAnswer(AnswerPolicyOptions answer, CallIntent intent)
    {
        answer.Policy = intent.Expect switch
        {
            CallExpectation.Answer => AnswerPolicy.Accept,
            CallExpectation.Reject => AnswerPolicy.Reject,
            _ => AnswerPolicy.Ignore,
        };
        answer.AnswerDelay = intent.Expect == CallExpectation.Answer ? intent.AnswerDelay : TimeSpan.Zero;
    }

    private static int Reconnects(LoadBot caller, List<LoadBot> callees)
    {
        var total = caller.ChatReconnects;
        foreach (var callee in callees)
        {
            total += callee.ChatReconnects;
        }

        return total;
    }

    private static CallResult Failed(CallIntent intent, string reason, TimeSpan elapsed) =>
        new() { Intent = intent, Outcome = CallOutcome.Failed, ErrorReason = reason, Elapsed = elapsed };

    private PeerConnectionOptions PeerOptionsFor(LoadUser user)
    {
        var template = CallBotRuntime.PeerConnectionOptionsFor(_videoChat, _runtime.LoopbackOnly || _videoChat.LoopbackCandidatesOnly, _mediaOptions.Stages, probing: _mediaOptions.Probing);
        return new PeerConnectionOptions
        {
            Ice = template.Ice,
            IceServers = template.IceServers,
            RelayOnly = template.RelayOnly,
            HostAddressFilter = template.HostAddressFilter,
            Interceptors = template.Interceptors,
            TransportCc = template.TransportCc,
            SocketFactory = _ports?.SocketsOf((int)user.Id) is { } shared ? _networks.SocketsFor(user, shared) ?? shared : _networks.SocketsFor(user),
        };
    }

    /// <summary>Logs every bot out (hanging up anything still up), a few at a time.</summary>
    public async ValueTask DisposeAsync()
    {
        var bots = _bots.Values.ToArray();
        _bots.Clear();
        await Parallel.ForEachAsync(bots, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (bot, _) => await bot.DisposeAsync().ConfigureAwait(false))
            .ConfigureAwait(false);
        _monitor.Dispose();
        _networks.Dispose();
        if (_ports is not null)
        {
            await _ports.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 5501, Level = LogLevel.Warning, Message = "load: login of user {UserId} failed ({Kind}: {Error})")]
    private static partial void LogLoginFailed(ILogger logger, int userId, string kind, string error);
}
