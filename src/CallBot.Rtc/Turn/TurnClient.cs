using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Stun;
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
/// <remarks>
/// The client coordinates; each job is a collaborator: <see cref="TurnServerConnection"/> (the connection, requests,
/// credentials), <see cref="TurnPeers"/> (peers, permissions, channel numbers), <see cref="TurnDataPath"/> (data in and
/// out) and <see cref="TurnMaintenance"/> (the refresh timers).
/// </remarks>
public sealed class TurnClient : IAsyncDisposable
{
    private readonly TurnClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDatagramSocketFactory _socketFactory;
    private readonly ResiliencePipeline _allocatePipeline;
    private readonly TurnServerConnection _server;
    private readonly TurnPeers _peers;
    private readonly TurnDataPath _data;
    private readonly TurnMaintenance _maintenance;
    private readonly CancellationTokenSource _lifetime = new();
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
        _server = new TurnServerConnection(options, _time, _logger, Counters);
        _peers = new TurnPeers(options, Counters);
        _data = new TurnDataPath(_peers, Counters, () => RelaySocket);
        _maintenance = new TurnMaintenance(options, _time, _logger, () => RefreshAsync(_lifetime.Token), RefreshPermissionsAsync, RefreshChannelsAsync,
            ex => AllocationLost?.Invoke(this, ex));
    }

    public TurnClientOptions Options => _options;

    public TurnCounters Counters { get; } = new();

    /// <summary>The allocation, once <see cref="AllocateAsync"/> succeeded.</summary>
    public TurnAllocation? Allocation => Volatile.Read(ref _allocation);

    /// <summary>The relayed address as a socket; null before <see cref="AllocateAsync"/> succeeded.</summary>
    public TurnRelaySocket? RelaySocket => Volatile.Read(ref _relaySocket);

    /// <summary>Raised (on a timer thread) when the allocation is lost: a refresh failed or the server connection closed.</summary>
    public event EventHandler<TurnException>? AllocationLost;

    /// <summary>Raised after each successful Refresh with the lifetime the server granted.</summary>
    public event EventHandler<TimeSpan>? Refreshed;

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

    /// <summary>Refreshes the allocation now (the timer does this on its own); returns the new lifetime.</summary>
    public async Task<TimeSpan> RefreshAsync(CancellationToken cancellationToken = default)
    {
        var response = await _server.RefreshAsync(_options.RequestedLifetime, cancellationToken).ConfigureAwait(false);
        Counters.Count(TurnCounter.Refreshes);
        var lifetime = TurnResponse.ReadLifetime(response) ?? _options.RequestedLifetime;
        _maintenance.ScheduleRefresh(lifetime);
        Refreshed?.Invoke(this, lifetime);
        return lifetime;
    }

    /// <summary>Installs (or refreshes) a permission so <paramref name="peer"/> may send to the relayed address.</summary>
    public Task CreatePermissionAsync(IPAddress peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return EnsurePermissionAsync(_peers.GetPermission(peer), force: true, cancellationToken);
    }

    /// <summary>Binds a channel to <paramref name="peer"/> (also installs its permission); returns the channel number.</summary>
    public async Task<ushort> BindChannelAsync(IPEndPoint peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var entry = _peers.GetOrAdd(peer) ?? throw new TurnException("too many TURN peers");
        await BindChannelAsync(entry, cancellationToken).ConfigureAwait(false);
        return entry.Channel;
    }

    /// <summary>
    /// Sends <paramref name="payload"/> to <paramref name="peer"/> through the relay. Uses the channel when
    /// bound, a Send indication when only the permission exists, and otherwise holds the datagram
    /// (bounded) while permission and channel are set up in the background. Never throws.
    /// </summary>
    public bool TrySend(ReadOnlySpan<byte> payload, SocketAddress peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var transport = _server.Transport;
        if (transport is null || Allocation is null || Volatile.Read(ref _disposed) != 0 || _peers.GetOrAdd(peer) is not { } entry)
        {
            Counters.Count(TurnCounter.SendFailures);
            return false;
        }

        if (entry.ChannelBound)
        {
            return _data.Send(transport, entry, payload);
        }

        var route = _peers.PrepareSend(entry, payload, out var startSetup);
        if (startSetup)
        {
            _ = SetUpPeerAsync(entry);
        }

        switch (route)
        {
            case TurnPeers.SendRoute.Indication:
                return _data.Send(transport, entry, payload);
            case TurnPeers.SendRoute.Queued:
                return true;
            default:
                Counters.Count(TurnCounter.SendFailures);
                return false;
        }
    }

    /// <summary>Convenience overload for the cold path (allocates the address).</summary>
    public bool TrySend(ReadOnlySpan<byte> payload, IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return TrySend(payload, peer.Serialize());
    }

    /// <summary>Releases the allocation (Refresh LIFETIME 0, best effort) and frees the connection, timers and relay socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _maintenance.Stop();
        if (Allocation is not null && _server.Transport is not null && _options.ReleaseTimeout > TimeSpan.Zero)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.ReleaseTimeout, _time);
                await _server.RefreshAsync(TimeSpan.Zero, timeout.Token).ConfigureAwait(false);
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
        _server.FailAll(new ObjectDisposedException(nameof(TurnClient)));
        if (_server.Transport is { } transport)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }

        _relaySocket?.Complete();
        _peers.DropAllWaiting();
        _lifetime.Dispose();
    }

    /// <summary>Every frame from the server, on the transport's receive loop. Never throws.</summary>
    internal void OnFrame(ReadOnlySpan<byte> frame)
    {
        try
        {
            if (ChannelData.LooksLikeChannelData(frame))
            {
                _data.OnChannelData(frame);
                return;
            }

            if (!StunMessage.TryParse(frame, out var message, out _))
            {
                Counters.Drops.Count(StunMessage.LooksLikeStun(frame) ? TurnDropReason.BadStun : TurnDropReason.NotStunOrChannelData);
                return;
            }

            switch (message.Class)
            {
                case StunClass.SuccessResponse or StunClass.ErrorResponse:
                    if (!_server.TryComplete(message, out var reason))
                    {
                        Counters.Drops.Count(reason);
                    }

                    break;
                case StunClass.Indication when message.Method == StunMethod.Data:
                    _data.OnDataIndication(message);
                    break;
                default:
                    Counters.Drops.Count(TurnDropReason.UnexpectedStun);
                    break;
            }
        }
#pragma warning disable CA1031 // Bad input from the network must never take the receive loop down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Counters.Count(TurnCounter.HandlerFailures);
            TurnLog.HandlerFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Test and benchmark hook: adopts a connected transport and an allocation without talking to a
    /// server (no timers start), so the data paths can be driven directly.
    /// </summary>
    internal TurnRelaySocket AttachForTests(ITurnTransport transport, TurnAllocation allocation)
    {
        _server.Use(transport);
        transport.Start(OnFrame, static _ => { });
        var socket = new TurnRelaySocket(this, allocation.RelayedEndPoint, _options.ReceiveQueueCapacity);
        Volatile.Write(ref _relaySocket, socket);
        Volatile.Write(ref _allocation, allocation);
        return socket;
    }

    /// <summary>Test and benchmark hook: records <paramref name="peer"/> as permitted and bound to <paramref name="channel"/>.</summary>
    internal void BindLocallyForTests(IPEndPoint peer, ushort channel) => _peers.BindLocally(peer, channel);

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
        _server.Use(transport);
        transport.Start(OnFrame, exception => OnTransportClosed(transport, exception));
        try
        {
            var lifetimeSeconds = (uint)Math.Max(0, _options.RequestedLifetime.TotalSeconds);
            var response = await _server.AllocateAsync(cancellationToken).ConfigureAwait(false);
            var allocation = TurnResponse.ReadAllocation(response, TimeSpan.FromSeconds(lifetimeSeconds))
                ?? throw new TurnException("Allocate success response without a valid XOR-RELAYED-ADDRESS");
            Counters.Count(TurnCounter.Allocations);
            var socket = new TurnRelaySocket(this, allocation.RelayedEndPoint, _options.ReceiveQueueCapacity);
            Volatile.Write(ref _relaySocket, socket);
            Volatile.Write(ref _allocation, allocation);
            TurnLog.Allocated(_logger, allocation.RelayedEndPoint, server, _options.Server.Transport, allocation.Lifetime);
            _maintenance.Start(allocation.Lifetime);
            return allocation;
        }
        catch
        {
            _server.Use(null);
            _server.FailAll(new TurnException("allocation attempt abandoned"));
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
        if (!_server.IsCurrent(transport))
        {
            return;
        }

        TurnLog.TransportClosed(_logger, exception);
        var failure = new TurnException("connection to the TURN server closed", exception ?? new IOException("closed by the server"));
        _server.FailAll(failure);
        if (Allocation is not null && Volatile.Read(ref _disposed) == 0)
        {
            AllocationLost?.Invoke(this, failure);
        }
    }

    private async Task SetUpPeerAsync(TurnPeer peer)
    {
        try
        {
            await BindChannelAsync(peer, _lifetime.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (TurnException ex)
        {
            TurnLog.ChannelBindFailed(_logger, peer.EndPoint, ex);
            _peers.SetupFailed(peer);
        }
    }

    /// <summary>Permission first, then a channel number (none left: the peer stays on indications) and its ChannelBind.</summary>
    private async Task BindChannelAsync(TurnPeer peer, CancellationToken cancellationToken)
    {
        await EnsurePermissionAsync(_peers.GetPermission(peer.EndPoint.Address), force: false, cancellationToken).ConfigureAwait(false);
        if (!_peers.TryReserveChannel(peer))
        {
            return;
        }

        await _server.ChannelBindAsync(peer, cancellationToken).ConfigureAwait(false);
        peer.ChannelBound = true;
    }

    private Task EnsurePermissionAsync(TurnPermission permission, bool force, CancellationToken cancellationToken) =>
        _peers.EnsureInstalling(permission, force, InstallPermissionAsync).WaitAsync(cancellationToken);

    private async Task InstallPermissionAsync(TurnPermission permission)
    {
        try
        {
            await _server.CreatePermissionAsync([permission.Address], _lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TurnException or OperationCanceledException or ObjectDisposedException)
        {
            TurnLog.PermissionFailed(_logger, permission.Address, ex);
            _peers.DropWaiting(permission);
            throw;
        }

        permission.Installed = true;
        _data.FlushWaiting(_server.Transport, permission);
    }

    private Task RefreshPermissionsAsync()
    {
        var installed = _peers.InstalledPermissions();
        return installed.Length > 0 ? _server.CreatePermissionAsync(installed, _lifetime.Token) : Task.CompletedTask;
    }

    private async Task RefreshChannelsAsync()
    {
        foreach (var peer in _peers.BoundPeers())
        {
            await _server.ChannelBindAsync(peer, _lifetime.Token).ConfigureAwait(false);
        }
    }
}
