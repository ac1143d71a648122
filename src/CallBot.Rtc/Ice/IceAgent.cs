using System.Net;
using System.Security.Cryptography;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Ice;

/// <summary>
/// A full ICE agent (RFC 8445) for one UDP component with trickle (RFC 8838) and consent
/// freshness (RFC 7675). Flow: <see cref="GatherAsync"/> → signal <see cref="LocalCredentials"/>
/// and each <see cref="LocalCandidateGathered"/> → <see cref="SetRemoteCredentials"/> +
/// <see cref="AddRemoteCandidate"/> → <see cref="Start"/> → on <see cref="IceConnectionState.Connected"/>
/// use <see cref="Send"/>, <see cref="DtlsPacketReceived"/> and <see cref="RtpPacketReceived"/>.
/// </summary>
/// <remarks>
/// Every state change runs on one serial loop (a channel of work items); public methods only post
/// work. Events are queued and raised on a second task, in order, so handlers can call back into
/// the agent without deadlocking it. <see cref="Send"/> reads one volatile reference and never
/// touches the loop. The agent coordinates; each job is a loop-owned collaborator: <see cref="IceGatherer"/>
/// (gathering, relays) over <see cref="IceLocalCandidates"/>, <see cref="IceGenerations"/> (credentials, restarts),
/// <see cref="IceChecklist"/> (remote candidates, pairs, role), <see cref="IceCheckScheduler"/> (our checks and their
/// answers), <see cref="IceStunResponder"/> (the peer's checks), <see cref="IceSelection"/> (the media pair, consent)
/// and <see cref="IceStunInbox"/> (STUN into the loop, bounded).
/// </remarks>
public sealed class IceAgent : IAsyncDisposable
{
    /// <summary>STUN datagrams copied to the agent loop and not handled yet; beyond this a flood is dropped on the receive loop.</summary>
    public const int MaxQueuedStun = IceStunInbox.MaxQueued;

    /// <summary>Remote candidates held for a generation whose credentials are not applied yet (see <see cref="IceRemoteGenerations"/>).</summary>
    public const int MaxHeldCandidates = IceRemoteGenerations.MaxHeldCandidates;

    /// <summary>Early DTLS datagrams held per unverified source (see <see cref="IceSourceVerifier"/>).</summary>
    public const int MaxHeldDtlsPerSource = IceSourceVerifier.MaxHeldDtlsPerSource;

    /// <summary>Early DTLS datagrams held in total.</summary>
    public const int MaxHeldDtls = IceSourceVerifier.MaxHeldDtls;

    private readonly IceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DatagramTransport _transport;
    private readonly IceTransactionTable _transactions = new();
    private readonly IceRemoteGenerations _remoteGenerations;
    private readonly IceGenerations _generations;
    private readonly IceLocalCandidates _locals;
    private readonly IceGatherer _gatherer;
    private readonly IceChecklist _checklist;
    private readonly IceSelection _selection;
    private readonly IceCheckScheduler _checks;
    private readonly IceStunResponder _responder;
    private readonly IceLoop _loop;
    private readonly ITimer _timer;
    private volatile IceCredentials _localCredentials;
    private volatile IceConnectionState _state = IceConnectionState.New;
    private int _disposed;
    private bool _started;
    private DateTimeOffset _scheduledFor = DateTimeOffset.MaxValue;

    public IceAgent(IceOptions? options = null, IDatagramSocketFactory? sockets = null, TimeProvider? timeProvider = null, ILogger<IceAgent>? logger = null)
    {
        _options = options ?? new IceOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxRemoteCandidates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxCandidatePairs);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.UnauthenticatedAnswersPerSecond);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _transport = new DatagramTransport(sockets, _logger);
        _transport.StunPacketReceived = new IceStunInbox(Counters, Post, HandleStun).OnDatagram;
        var sources = new IceSourceVerifier(Counters, _transport, _options.MaxRemoteCandidates, _options.MaxCandidatePairs);
        _transport.Admission = sources.Admit;
        _remoteGenerations = new IceRemoteGenerations(Counters, _logger);
        _localCredentials = _options.LocalCredentials ?? IceCredentials.Generate();
        _generations = new IceGenerations(_localCredentials, _transactions, _remoteGenerations, _logger);
        _locals = new IceLocalCandidates(_options);
        var policy = new IceRemoteCandidatePolicy(_options, Counters, _logger);
        _checklist = new IceChecklist(_options, Counters, _logger, _generations, _locals, policy, _remoteGenerations, sources, RandomTieBreaker());
        _selection = new IceSelection(_options, _time, _logger, Counters, _generations, OnSelected);
        _checks = new IceCheckScheduler(_options, Counters, _time, _logger, _generations, _checklist, _locals, _transactions, sources, _selection, OnConsentRenewed);
        var answerLimiter = new IceAnswerRateLimiter(_options.UnauthenticatedAnswersPerSecond, _time);
        _responder = new IceStunResponder(Counters, _logger, _generations, _checklist, policy, sources, answerLimiter, _checks);
        _gatherer = new IceGatherer(_options, _locals, _transactions, _transport, _time, _logger, Post, OnLocalCandidate,
            () => Raise(() => LocalCandidateGathered?.Invoke(null)));
        _timer = _time.CreateTimer(static state => ((IceAgent)state!).Post(((IceAgent)state!).OnTick), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = new IceLoop(_logger, AfterEachWork);
    }

    /// <summary>A gathered local candidate; <c>null</c> means end-of-candidates (RFC 8838 §8.2).</summary>
    public event Action<IceCandidate?>? LocalCandidateGathered;

    public event Action<IceConnectionState>? StateChanged;

    public event Action<IceSelectedPair>? SelectedPairChanged;

    public IceConnectionState State => _state;

    public IceRole Role => _checklist.Role;

    /// <summary>Current local ufrag/pwd, to put in SDP (<c>a=ice-ufrag</c>/<c>a=ice-pwd</c>).</summary>
    public IceCredentials LocalCredentials => _localCredentials;

    public IceSelectedPair? SelectedPair => _selection.Info;

    /// <summary>
    /// The latest round trip of a connectivity or consent check answered without retransmission (Karn's rule), or null
    /// before any. The DTLS handshake sizes its first retransmission timeout from it. Safe from any thread.
    /// </summary>
    public TimeSpan? RoundTripTime => _checks.RoundTripTime;

    public IceCounters Counters { get; } = new();

    /// <summary>Held candidates waiting for their generation's credentials.</summary>
    public int HeldCandidateCount => _remoteGenerations.HeldCount;

    public TransportCounters TransportCounters => _transport.Counters;

    /// <summary>DTLS records (first byte 20–63), raised on the receive loop; copy what you keep.</summary>
    public DatagramHandler? DtlsPacketReceived
    {
        get => _transport.DtlsPacketReceived;
        set => _transport.DtlsPacketReceived = value;
    }

    /// <summary>RTP/RTCP (first byte 128–191), raised on the receive loop; copy what you keep.</summary>
    public DatagramHandler? RtpPacketReceived
    {
        get => _transport.RtpPacketReceived;
        set => _transport.RtpPacketReceived = value;
    }

    /// <summary>Remote candidates that were names (mDNS <c>*.local</c>) and so could not be paired.</summary>
    public int UnresolvedRemoteCandidateCount => _checklist.UnresolvedCount;

    /// <summary>True once the loops, timer and sockets are all gone (after <see cref="DisposeAsync"/>).</summary>
    public bool AllBackgroundWorkCompleted => _loop.IsCompleted && _transport.AllLoopsCompleted;

    /// <summary>Test hook: the role-conflict tie-breaker (RFC 8445 §7.3.1.1), random unless a test fixes it before <see cref="Start"/>.</summary>
    internal ulong TieBreaker
    {
        get => _checklist.TieBreaker;
        set => _checklist.TieBreaker = value;
    }

    /// <summary>Test hook: pairs on the current generation's checklist (loop-owned: read after <see cref="FlushAsync"/>).</summary>
    internal int CandidatePairCount => _generations.Current.Pairs.Count;

    /// <summary>
    /// Binds the sockets, emits host candidates, then server-reflexive ones, then <c>null</c>.
    /// Completes when gathering is done.
    /// </summary>
    public Task GatherAsync(CancellationToken cancellationToken = default)
    {
        Post(_gatherer.Start);
        return _gatherer.Completed.WaitAsync(cancellationToken);
    }

    public void SetRemoteCredentials(string ufrag, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(ufrag);
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (!IceCredentials.IsValidUfrag(ufrag) || !IceCredentials.IsValidPassword(password))
        {
            // The ufrag goes into the USERNAME of every check we send: only RFC 8839 §5.4 ice-chars get there.
            throw new ArgumentException("Remote ICE credentials are not RFC 8839 ice-ufrag/ice-pwd grammar.", nameof(ufrag));
        }

        var credentials = new IceCredentials(ufrag, password);
        Post(() => ApplyRemoteCredentials(credentials));
    }

    /// <summary>Adds a trickled or SDP candidate. Names (mDNS) are kept aside; TCP and non-RTP components are ignored.</summary>
    public void AddRemoteCandidate(IceCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        Post(() => _checklist.AddRemote(candidate));
    }

    /// <summary>The remote side signaled end-of-candidates (RFC 8838 §8.2).</summary>
    public void AddRemoteEndOfCandidates() => Post(() => _generations.Current.RemoteEndOfCandidates = true);

    /// <summary>Starts connectivity checks (they run once remote credentials are known).</summary>
    public void Start() => Post(() =>
    {
        _started = true;
        BeginCheckingIfReady();
    });

    /// <summary>
    /// ICE restart (RFC 8445 §9): new local credentials (returned, for the new offer/answer); local
    /// candidates are emitted again. Media keeps using the old pair until a new one is selected.
    /// Give the peer's new credentials with <see cref="SetRemoteCredentials"/>.
    /// </summary>
    public IceCredentials Restart()
    {
        var credentials = IceCredentials.Generate();
        _localCredentials = credentials;
        Post(() => BeginGeneration(credentials));
        return credentials;
    }

    /// <summary>Sends on the selected pair. Drops and counts when there is none. Never allocates.</summary>
    public bool Send(ReadOnlySpan<byte> datagram) => _selection.Send(datagram);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _loop.StopWorkAsync(Close).ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
        await _gatherer.DisposeTurnClientsAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        await _loop.StopEventsAsync().ConfigureAwait(false);
        _gatherer.ReleaseWaiters();
    }

    /// <summary>Test hook: completes once everything posted so far, and the events it raised, have run.</summary>
    internal Task FlushAsync() => _loop.FlushAsync();

    /// <summary>Diagnostics for a failed test: role, generation and every pair's state, read on the agent loop.</summary>
    internal async Task<string> DescribeChecklistAsync()
    {
        var described = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_loop.Post(() => described.TrySetResult(_checklist.Describe())))
        {
            return "agent closed";
        }

        return await described.Task.ConfigureAwait(false);
    }

    private void Post(Action work) => _loop.Post(work);

    private void Raise(Action handler) => _loop.Raise(handler);

    private void AfterEachWork()
    {
        if (_state != IceConnectionState.Closed)
        {
            EvaluateState(_time.GetUtcNow());
            Reschedule();
        }
    }

    private void SetState(IceConnectionState state)
    {
        if (_state == state || _state == IceConnectionState.Closed)
        {
            return;
        }

        _state = state;
        IceLog.StateChanged(_logger, state);
        Raise(() => StateChanged?.Invoke(state));
    }

    private void Close()
    {
        _selection.Close();
        _gatherer.Close();
        _transactions.Clear();
        SetState(IceConnectionState.Closed);
    }

    /// <summary>The peer's credentials for the current generation; new ones on a generation that had others mean the peer restarted.</summary>
    private void ApplyRemoteCredentials(IceCredentials credentials)
    {
        if (_generations.Current.Remote is { } existing)
        {
            if (existing.Ufrag == credentials.Ufrag && existing.Password == credentials.Password)
            {
                return;
            }

            // The peer restarted without us calling Restart(): start a new generation with our credentials.
            BeginGeneration(_generations.Current.Local);
        }

        _generations.Current.Remote = credentials;
        _generations.Current.RemoteKey = StunIntegrity.ShortTermKey(credentials.Password);
        BeginCheckingIfReady();
        if (_remoteGenerations.Release(credentials.Ufrag) is { } released)
        {
            foreach (var candidate in released)
            {
                _checklist.AddRemote(candidate);
            }
        }
    }

    private void BeginCheckingIfReady()
    {
        var generation = _generations.Current;
        if (!_started || generation.Remote is null || generation.CheckingStartedAt is not null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        generation.CheckingStartedAt = now;
        _checks.StartPacing(now);
        _gatherer.ScheduleHostRefresh(now);
        if (_state is IceConnectionState.New or IceConnectionState.Failed)
        {
            SetState(IceConnectionState.Checking);
        }
    }

    /// <summary>A restart by either side: a new generation whose local candidates are emitted again for the new offer/answer.</summary>
    private void BeginGeneration(IceCredentials local)
    {
        _generations.Begin(local, _selection.Pair); // the local ufrags a check may name change here (and in the constructor)

        // Same sockets (bound to the wildcard address), but the interfaces may have changed since (a new network, a new
        // address): host candidates follow the current addresses, then all are emitted again for the new offer/answer.
        _gatherer.RefreshHosts();
        foreach (var candidate in _locals.All)
        {
            var c = candidate.Candidate;
            Raise(() => LocalCandidateGathered?.Invoke(c));
        }

        if (_gatherer.IsComplete)
        {
            Raise(() => LocalCandidateGathered?.Invoke(null));
        }
    }

    /// <summary>A new local candidate is trickled; host and relay ones pair at once (server-reflexive pairs are pruned to their base, RFC 8445 §6.1.2.4).</summary>
    private void OnLocalCandidate(IceLocalCandidate local)
    {
        var candidate = local.Candidate;
        Raise(() => LocalCandidateGathered?.Invoke(candidate));
        if (candidate.Type is IceCandidateType.Host or IceCandidateType.Relay)
        {
            _checklist.PairWithRemotes();
        }
    }

    private void OnSelected(IceSelectedPair info)
    {
        Raise(() => SelectedPairChanged?.Invoke(info));
        if (_state is not (IceConnectionState.Connected or IceConnectionState.Completed))
        {
            SetState(IceConnectionState.Connected);
        }
    }

    private void OnConsentRenewed()
    {
        if (_state == IceConnectionState.Disconnected)
        {
            SetState(IceConnectionState.Connected);
        }
    }

    private void HandleStun(byte[] datagram, IPEndPoint source, IDatagramSocket socket)
    {
        if (_state == IceConnectionState.Closed || !StunMessage.TryParse(datagram, out var message, out _) || message.Method != StunMethod.Binding)
        {
            return;
        }

        if (message.Class == StunClass.Request)
        {
            _responder.HandleRequest(message, source, socket);
        }
        else if (message.Class is StunClass.SuccessResponse or StunClass.ErrorResponse)
        {
            if (!_transactions.TryGet(IceTransaction.KeyOf(message.TransactionId), out var transaction))
            {
                Counters.Count(IceCounter.UnmatchedResponses);
            }
            else if (transaction.Kind == IceTransactionKind.StunServer)
            {
                _gatherer.OnServerResponse(transaction, message);
            }
            else
            {
                _checks.OnResponse(transaction, message, source, socket);
            }
        }

        // Binding indications are keepalives (RFC 8445 §11): nothing to do.
    }

    private void OnTick()
    {
        if (_state == IceConnectionState.Closed)
        {
            return;
        }

        _scheduledFor = DateTimeOffset.MaxValue;
        var now = _time.GetUtcNow();
        _transactions.RunTimers(now);
        foreach (var transaction in _transactions.TimedOut)
        {
            if (transaction.Kind == IceTransactionKind.StunServer)
            {
                _gatherer.OnServerTimedOut();
            }
            else
            {
                _checks.OnTimedOut(transaction);
            }
        }

        if (_started)
        {
            _gatherer.RunHostRefresh(now, _generations.Current);
            _checks.RunPacedCheck(now);
        }

        _checks.RunNomination(now);
        if (_selection.ConsentCheckDue(now, _state) is { } consentPair)
        {
            _checks.SendConsentCheck(consentPair);
        }

        if (_selection.ConsentVerdict(now, _state) is { } verdict)
        {
            SetState(verdict);
        }

        EvaluateState(now);
    }

    /// <summary>The state the current generation's check list calls for: Failed when it cannot succeed, Completed when it is done.</summary>
    private void EvaluateState(DateTimeOffset now)
    {
        var generation = _generations.Current;
        if (generation.Selected is null)
        {
            if (_state == IceConnectionState.Checking && _checklist.HasFailed(now, _gatherer.IsComplete))
            {
                SetState(IceConnectionState.Failed);
            }
        }
        else if (_state == IceConnectionState.Connected && _checklist.IsComplete(_selection.Pair))
        {
            // Completed once per generation; after a consent loss and recovery the state stays Connected.
            generation.Completed = true;
            SetState(IceConnectionState.Completed);
        }
    }

    /// <summary>Points the one timer at the earliest deadline; nothing runs when nothing is due.</summary>
    private void Reschedule()
    {
        var next = DateTimeOffset.MaxValue;
        var generation = _generations.Current;
        if (_started && generation.Remote is not null)
        {
            next = _checks.NextDeadline();
            if (generation.Selected is null && generation.CheckingStartedAt is { } started)
            {
                next = Min(next, _gatherer.NextHostRefreshAt);
                if (_state == IceConnectionState.Checking)
                {
                    next = Min(next, started + _options.CheckingTimeout);
                }
            }
        }

        next = Min(next, _transactions.NextDeadline());
        next = Min(next, _selection.NextDeadline(_state));
        if (next == _scheduledFor)
        {
            return;
        }

        _scheduledFor = next;
        if (next == DateTimeOffset.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var due = next - _time.GetUtcNow();
        _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static ulong RandomTieBreaker()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
