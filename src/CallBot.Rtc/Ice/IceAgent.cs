using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
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
/// touches the loop.
/// </remarks>
public sealed partial class IceAgent : IAsyncDisposable
{
    private readonly IceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DatagramTransport _transport;
    private readonly IceSourceVerifier _sources;
    private readonly IceRemoteGenerations _remoteGenerations;
    private readonly IceAnswerRateLimiter _answerLimiter;
    private readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Action> _events = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _workPump;
    private readonly Task _eventPump;
    private readonly ITimer _timer;
    private ulong _tieBreaker;
    private readonly List<IceLocalCandidate> _localCandidates = [];
    private readonly List<IceCandidate> _namedRemoteCandidates = [];
    private readonly IceTransactionTable _transactions = new();
    private readonly TaskCompletionSource _gathered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IceGeneration _current;
    private IceGeneration? _previous;
    private IceCandidatePair? _selected;
    private volatile SendPath? _sendPath;
    private volatile IceSelectedPair? _selectedInfo;
    private long _roundTripTicks;
    private volatile IceCredentials _localCredentials;
    private volatile IceRole _role;
    private volatile IceConnectionState _state = IceConnectionState.New;
    private int _disposed;
    private bool _started;
    private bool _gatheringStarted;

    /// <summary>How often a generation still checking without a selected pair looks for host addresses that appeared.</summary>
    private static readonly TimeSpan HostRefreshInterval = TimeSpan.FromMilliseconds(500);

    private DateTimeOffset _nextHostRefreshAt = DateTimeOffset.MaxValue;

    /// <summary>The wildcard sockets host candidates were gathered on, one per address family.</summary>
    private readonly List<Transport.IDatagramSocket> _hostSockets = [];
    private int _pendingServerTransactions;
    private int _prflxCounter;
    private DateTimeOffset _nextCheckAt;
    private DateTimeOffset _nextConsentAt;
    private DateTimeOffset _lastConsentResponse;
    private DateTimeOffset _scheduledFor = DateTimeOffset.MaxValue;

    public IceAgent(IceOptions? options = null, IDatagramSocketFactory? sockets = null, TimeProvider? timeProvider = null, ILogger<IceAgent>? logger = null)
    {
        _options = options ?? new IceOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxRemoteCandidates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxCandidatePairs);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.UnauthenticatedAnswersPerSecond);
        _addressPolicy = IceAddressPolicy.From(_options);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _transport = new DatagramTransport(sockets, _logger);
        _transport.StunPacketReceived = OnStunDatagram;
        _sources = new IceSourceVerifier(Counters, _transport, _options.MaxRemoteCandidates, _options.MaxCandidatePairs);
        _transport.Admission = _sources.Admit;
        _remoteGenerations = new IceRemoteGenerations(Counters, _logger);
        _answerLimiter = new IceAnswerRateLimiter(_options.UnauthenticatedAnswersPerSecond, _time);
        _role = _options.Role;
        _tieBreaker = RandomTieBreaker();
        _localCredentials = _options.LocalCredentials ?? IceCredentials.Generate();
        _current = new IceGeneration(0, _localCredentials);
        _transport.SetLocalUfrags(_current.Local.Ufrag, null); // shared-port routing of Binding requests
        _timer = _time.CreateTimer(static state => ((IceAgent)state!).Post(((IceAgent)state!).OnTick), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _workPump = Task.Run(PumpWorkAsync);
        _eventPump = Task.Run(PumpEventsAsync);
    }

    /// <summary>A gathered local candidate; <c>null</c> means end-of-candidates (RFC 8838 §8.2).</summary>
    public event Action<IceCandidate?>? LocalCandidateGathered;

    public event Action<IceConnectionState>? StateChanged;

    public event Action<IceSelectedPair>? SelectedPairChanged;

    public IceConnectionState State => _state;

    public IceRole Role => _role;

    /// <summary>Current local ufrag/pwd, to put in SDP (<c>a=ice-ufrag</c>/<c>a=ice-pwd</c>).</summary>
    public IceCredentials LocalCredentials => _localCredentials;

    public IceSelectedPair? SelectedPair => _selectedInfo;

    /// <summary>
    /// The latest round trip of a connectivity or consent check answered without retransmission (Karn's rule), or null
    /// before any. The DTLS handshake sizes its first retransmission timeout from it. Safe from any thread.
    /// </summary>
    public TimeSpan? RoundTripTime => Volatile.Read(ref _roundTripTicks) is var ticks and > 0 ? TimeSpan.FromTicks(ticks) : null;

    public IceCounters Counters { get; } = new();

    /// <summary>Remote candidates held for a generation whose credentials are not applied yet (see <see cref="IceRemoteGenerations"/>).</summary>
    public const int MaxHeldCandidates = IceRemoteGenerations.MaxHeldCandidates;

    /// <summary>Held candidates waiting for their generation's credentials.</summary>
    public int HeldCandidateCount => _remoteGenerations.HeldCount;

    /// <summary>Early DTLS datagrams held per unverified source (see <see cref="IceSourceVerifier"/>).</summary>
    public const int MaxHeldDtlsPerSource = IceSourceVerifier.MaxHeldDtlsPerSource;

    /// <summary>Early DTLS datagrams held in total.</summary>
    public const int MaxHeldDtls = IceSourceVerifier.MaxHeldDtls;

    /// <summary>Test hook: the role-conflict tie-breaker (RFC 8445 §7.3.1.1), random unless a test fixes it before <see cref="Start"/>.</summary>
    internal ulong TieBreaker
    {
        get => _tieBreaker;
        set => _tieBreaker = value;
    }

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
    public int UnresolvedRemoteCandidateCount => Volatile.Read(ref _namedCount);

    private int _namedCount;

    /// <summary>True once the loops, timer and sockets are all gone (after <see cref="DisposeAsync"/>).</summary>
    public bool AllBackgroundWorkCompleted => _workPump.IsCompleted && _eventPump.IsCompleted && _transport.AllLoopsCompleted;

    /// <summary>
    /// Binds the sockets, emits host candidates, then server-reflexive ones, then <c>null</c>.
    /// Completes when gathering is done.
    /// </summary>
    public Task GatherAsync(CancellationToken cancellationToken = default)
    {
        Post(StartGathering);
        return _gathered.Task.WaitAsync(cancellationToken);
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
        Post(() => ApplyRemoteCandidate(candidate));
    }

    /// <summary>The remote side signaled end-of-candidates (RFC 8838 §8.2).</summary>
    public void AddRemoteEndOfCandidates() => Post(() => _current.RemoteEndOfCandidates = true);

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
    public bool Send(ReadOnlySpan<byte> datagram)
    {
        var path = _sendPath;
        if (path is null)
        {
            Counters.Count(IceCounter.SendDroppedNoPair);
            return false;
        }

        if (!path.Socket.TrySendTo(datagram, path.Remote))
        {
            Counters.Count(IceCounter.SendFailed);
            return false;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _work.Writer.TryWrite(Close);
        _work.Writer.TryComplete();
        await _workPump.ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
        await DisposeTurnClientsAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        _events.Writer.TryComplete();
        await _eventPump.ConfigureAwait(false);
        _gathered.TrySetResult();
    }

    /// <summary>Test hook: completes once everything posted so far, and the events it raised, have run.</summary>
    internal async Task FlushAsync()
    {
        var loop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(() => loop.TrySetResult()))
        {
            return;
        }

        await loop.Task.ConfigureAwait(false);
        var events = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_events.Writer.TryWrite(() => events.TrySetResult()))
        {
            await events.Task.ConfigureAwait(false);
        }
    }

    private void Post(Action work) => _work.Writer.TryWrite(work);

    private void Raise(Action handler) => _events.Writer.TryWrite(handler);

    private async Task PumpWorkAsync()
    {
        var reader = _work.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var work))
            {
                try
                {
                    work();
                    if (_state != IceConnectionState.Closed)
                    {
                        EvaluateState(_time.GetUtcNow());
                        Reschedule();
                    }
                }
#pragma warning disable CA1031 // One bad work item must not stop the agent.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    IceLog.WorkFailed(_logger, ex);
                }
            }
        }
    }

    private async Task PumpEventsAsync()
    {
        var reader = _events.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var handler))
            {
                try
                {
                    handler();
                }
#pragma warning disable CA1031 // User handlers must not stop event delivery.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    IceLog.HandlerFailed(_logger, ex);
                }
            }
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
        _sendPath = null;
        _transactions.Clear();
        SetState(IceConnectionState.Closed);
    }

    private static ulong RandomTieBreaker()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    /// <summary>Where <see cref="Send"/> goes: swapped atomically when a pair is selected.</summary>
    private sealed class SendPath(IDatagramSocket socket, SocketAddress remote)
    {
        public IDatagramSocket Socket { get; } = socket;

        public SocketAddress Remote { get; } = remote;
    }

    private static bool IsSameFamily(IPAddress a, IPEndPoint b) => a.AddressFamily == b.AddressFamily;

    private static AddressFamily FamilyOf(IceLocalCandidate local) => local.Socket.AddressFamily;
}
