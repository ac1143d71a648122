using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace CallBot.Rtc.Turn;

/// <summary>
/// A TURN client for one allocation (RFC 8656) over UDP, TCP or TLS with long-term credentials.
/// <see cref="AllocateAsync"/> connects and allocates (retried by a Polly pipeline on transient
/// failures); afterwards <see cref="RelaySocket"/> is an <see cref="IDatagramSocket"/> whose local
/// address is the relayed address: sends go to peers via ChannelData (Send indications until the
/// channel is bound) and received data comes back with the peer's address. Refreshes of the
/// allocation, permissions and channels run on <see cref="TimeProvider"/> timers.
/// <see cref="DisposeAsync"/> releases the allocation (Refresh with LIFETIME 0).
/// </summary>
public sealed partial class TurnClient : IAsyncDisposable
{
    private readonly TurnClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDatagramSocketFactory _socketFactory;
    private readonly ResiliencePipeline _allocatePipeline;
    private readonly TurnTransactionTable _transactions = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private ITurnTransport? _transport;
    private TurnRelaySocket? _relaySocket;
    private TurnAllocation? _allocation;
    private int _disposed;

    public TurnClient(TurnClientOptions options, TimeProvider? timeProvider = null, ILogger? logger = null, IDatagramSocketFactory? socketFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _socketFactory = socketFactory ?? UdpSocketFactory.Instance;
        _allocatePipeline = BuildAllocatePipeline();
    }

    public TurnClientOptions Options => _options;

    public TurnCounters Counters { get; } = new();

    /// <summary>The allocation, once <see cref="AllocateAsync"/> succeeded.</summary>
    public TurnAllocation? Allocation => Volatile.Read(ref _allocation);

    /// <summary>The relayed address as a socket; null before <see cref="AllocateAsync"/> succeeded.</summary>
    public TurnRelaySocket? RelaySocket => Volatile.Read(ref _relaySocket);

    /// <summary>Raised (on a timer thread) when the allocation is lost: a refresh failed or the server connection closed.</summary>
    public event EventHandler<TurnException>? AllocationLost;

    /// <summary>Connects to the server and allocates a relayed UDP address; retries transient failures with backoff and jitter.</summary>
    public async Task<TurnAllocation> AllocateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Allocation is { } existing)
        {
            return existing;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        return await _allocatePipeline.ExecuteAsync(
            static async (client, token) => await client.AllocateOnceAsync(token).ConfigureAwait(false),
            this,
            linked.Token).ConfigureAwait(false);
    }

    /// <summary>Releases the allocation (Refresh LIFETIME 0, best effort) and frees the connection, timers and relay socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopTimers();
        if (Allocation is not null && _transport is not null && _options.ReleaseTimeout > TimeSpan.Zero)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.ReleaseTimeout, _time);
                await TransactAsync(Stun.StunMethod.Refresh, static (ref Stun.StunWriter w, TurnClient _) => w.AddAttribute(TurnAttributeType.Lifetime, [0, 0, 0, 0]), this, timeout.Token)
                    .ConfigureAwait(false);
                Counters.Count(TurnCounter.Refreshes);
                TurnLog.Released(_logger);
            }
#pragma warning disable CA1031 // Release is best effort: the server frees the allocation at expiry anyway.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                TurnLog.ReleaseFailed(_logger, ex);
            }
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        _transactions.FailAll(new ObjectDisposedException(nameof(TurnClient)));
        if (_transport is { } transport)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }

        _relaySocket?.Complete();
        ReleaseWaiting();
        _lifetime.Dispose();
    }

    /// <summary>
    /// Test and benchmark hook: adopts a connected transport and an allocation without talking to a
    /// server (no timers start), so the data paths can be driven directly.
    /// </summary>
    internal TurnRelaySocket AttachForTests(ITurnTransport transport, TurnAllocation allocation)
    {
        lock (_gate)
        {
            _transport = transport;
        }

        transport.Start(OnFrame, static _ => { });
        var socket = new TurnRelaySocket(this, allocation.RelayedEndPoint, _options.ReceiveQueueCapacity);
        Volatile.Write(ref _relaySocket, socket);
        Volatile.Write(ref _allocation, allocation);
        return socket;
    }

    /// <summary>Test and benchmark hook: records <paramref name="peer"/> as permitted and bound to <paramref name="channel"/>.</summary>
    internal void BindLocallyForTests(IPEndPoint peer, ushort channel)
    {
        lock (_gate)
        {
            var entry = GetOrAddPeerLocked(peer)!;
            entry.Channel = channel;
            entry.SetupStarted = true;
            entry.ChannelBound = true;
            _peersByChannel[channel] = entry;
            GetPermissionLocked(peer.Address).Installed = true;
        }
    }

    private ResiliencePipeline BuildAllocatePipeline()
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (_options.AllocateRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<TurnTimeoutException>()
                    .Handle<TurnErrorResponseException>(static e => e.IsTransient)
                    .Handle<SocketException>()
                    .Handle<IOException>(),
                MaxRetryAttempts = _options.AllocateRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.AllocateRetryDelay,
                MaxDelay = _options.AllocateMaxRetryDelay,
                OnRetry = args =>
                {
                    TurnLog.AllocateRetry(_logger, args.AttemptNumber + 1, args.Outcome.Exception);
                    return default;
                },
            });
        }

        return builder.Build();
    }

    private async Task<TurnAllocation> AllocateOnceAsync(CancellationToken cancellationToken)
    {
        var server = await ResolveServerAsync(cancellationToken).ConfigureAwait(false);
        var transport = await ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _transport = transport;
            ClearCredentials();
        }

        transport.Start(OnFrame, exception => OnTransportClosed(transport, exception));
        try
        {
            var lifetimeSeconds = (uint)Math.Max(0, _options.RequestedLifetime.TotalSeconds);
            var response = await TransactAsync(
                Stun.StunMethod.Allocate,
                static (ref Stun.StunWriter w, TurnClient client) =>
                {
                    w.AddAttribute(TurnAttributeType.RequestedTransport, [TurnAttributeType.ProtocolUdp, 0, 0, 0]);
                    var lifetime = new byte[4];
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(lifetime, (uint)Math.Max(0, client._options.RequestedLifetime.TotalSeconds));
                    w.AddAttribute(TurnAttributeType.Lifetime, lifetime);
                },
                this,
                cancellationToken).ConfigureAwait(false);
            var allocation = TurnResponse.ReadAllocation(response, TimeSpan.FromSeconds(lifetimeSeconds))
                ?? throw new TurnException("Allocate success response without a valid XOR-RELAYED-ADDRESS");
            Counters.Count(TurnCounter.Allocations);
            var socket = new TurnRelaySocket(this, allocation.RelayedEndPoint, _options.ReceiveQueueCapacity);
            Volatile.Write(ref _relaySocket, socket);
            Volatile.Write(ref _allocation, allocation);
            TurnLog.Allocated(_logger, allocation.RelayedEndPoint, server, _options.Server.Transport, allocation.Lifetime);
            StartTimers(allocation.Lifetime);
            return allocation;
        }
        catch
        {
            lock (_gate)
            {
                _transport = null;
            }

            _transactions.FailAll(new TurnException("allocation attempt abandoned"));
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<IPEndPoint> ResolveServerAsync(CancellationToken cancellationToken)
    {
        var url = _options.Server;
        if (IPAddress.TryParse(url.Host, out var literal))
        {
            return new IPEndPoint(literal, url.Port);
        }

        var addresses = await Dns.GetHostAddressesAsync(url.Host, cancellationToken).ConfigureAwait(false);
        IPAddress? chosen = null;
        foreach (var address in addresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                chosen = address;
                break;
            }

            chosen ??= address;
        }

        return chosen is null
            ? throw new TurnException($"TURN server host '{url.Host}' has no address")
            : new IPEndPoint(chosen, url.Port);
    }

    private async Task<ITurnTransport> ConnectAsync(IPEndPoint server, CancellationToken cancellationToken)
    {
        switch (_options.Server.Transport)
        {
            case TurnTransportKind.Udp:
                var local = _options.LocalAddress
                    ?? (server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
                return new TurnUdpTransport(_socketFactory.Bind(new IPEndPoint(local, 0)), server, Counters);
            default:
                return await TurnStreamTransport.ConnectAsync(
                    server,
                    _options.Server.Host,
                    _options.Server.Transport == TurnTransportKind.Tls,
                    _options.TrustedRootCertificate,
                    Counters,
                    cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnTransportClosed(ITurnTransport transport, Exception? exception)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_transport, transport))
            {
                return;
            }
        }

        TurnLog.TransportClosed(_logger, exception);
        var failure = new TurnException("connection to the TURN server closed", exception ?? new IOException("closed by the server"));
        _transactions.FailAll(failure);
        if (Allocation is not null && Volatile.Read(ref _disposed) == 0)
        {
            AllocationLost?.Invoke(this, failure);
        }
    }
}
