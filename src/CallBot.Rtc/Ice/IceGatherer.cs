using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;
using CallBot.Rtc.Turn;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// Candidate gathering (RFC 8445 §5.1.1): binds one wildcard socket per address family and emits its host candidates,
/// asks the STUN servers for server-reflexive ones, allocates a relay on every TURN server (one
/// <see cref="TurnClient"/> each, off the loop; the relayed address becomes a <c>typ relay</c> candidate whose base is the
/// <see cref="TurnRelaySocket"/>), then ends with end-of-candidates. While a generation checks without a selected pair
/// it also refreshes the host candidates. Owned by the agent loop; every new candidate goes to <c>onCandidate</c>.
/// </summary>
internal sealed class IceGatherer(
    IceOptions options,
    IceLocalCandidates locals,
    IceTransactionTable transactions,
    DatagramTransport transport,
    TimeProvider time,
    ILogger logger,
    Action<Action> post,
    Action<IceLocalCandidate> onCandidate,
    Action onFinished)
{
    /// <summary>How often a generation still checking without a selected pair looks for host addresses that appeared.</summary>
    private static readonly TimeSpan HostRefreshInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>RFC 8445 §5.1.2.1: local preference of relay candidates (one per server; earlier servers preferred).</summary>
    private const int RelayLocalPreference = 65535;

    private readonly List<TurnClient> _turnClients = [];
    private readonly TaskCompletionSource _gathered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _started;
    private bool _closed;
    private int _pendingServerTransactions;

    public bool RelayOnly => options.TransportPolicy == IceTransportPolicy.Relay;

    /// <summary>Completes when gathering has ended (or the agent closed).</summary>
    public Task Completed => _gathered.Task;

    public bool IsComplete => _gathered.Task.IsCompleted;

    public DateTimeOffset NextHostRefreshAt { get; private set; } = DateTimeOffset.MaxValue;

    public void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        StartTurnAllocations();
        if (RelayOnly)
        {
            if (_pendingServerTransactions == 0)
            {
                Finish();
            }

            return;
        }

        var addresses = locals.SelectHostAddresses(transport.SocketFactory.GetHostAddresses());
        foreach (var family in IceLocalCandidates.HostFamilies)
        {
            var ofFamily = addresses.FindAll(a => a.AddressFamily == family);
            if (ofFamily.Count == 0)
            {
                continue;
            }

            IDatagramSocket socket;
            try
            {
                var any = family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
                socket = transport.Bind(new IPEndPoint(any, 0));
            }
            catch (SocketException ex)
            {
                IceLog.BindFailed(logger, family, ex);
                continue;
            }

            locals.AddHostSocket(socket);
            for (var i = 0; i < ofFamily.Count; i++)
            {
                Emit(IceLocalCandidates.Host(ofFamily[i], i, socket));
            }

            foreach (var server in options.StunServers)
            {
                if (server.AddressFamily == family)
                {
                    SendServerRequest(socket, server);
                }
            }
        }

        if (_pendingServerTransactions == 0)
        {
            Finish();
        }
    }

    /// <summary>
    /// On restart, and while a generation checks without a pair: drop host candidates whose address is gone, add one per
    /// new address on its family's socket. Returns the ones added.
    /// </summary>
    public List<IceLocalCandidate> RefreshHosts()
    {
        if (!_started || RelayOnly)
        {
            return [];
        }

        try
        {
            return locals.RefreshHosts(locals.SelectHostAddresses(transport.SocketFactory.GetHostAddresses()));
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            return []; // keep what we have
        }
    }

    /// <summary>
    /// A generation that gathered while an interface was down (an ICE restart during an outage) has no host candidate on
    /// it, and nothing else notices the interface coming back until the next restart, seconds later. So a generation still
    /// checking without a selected pair looks at the host addresses again every <see cref="HostRefreshInterval"/>; a new
    /// one goes to <c>onCandidate</c> (trickled to the peer and paired at once).
    /// </summary>
    public void RunHostRefresh(DateTimeOffset now, IceGeneration generation)
    {
        if (generation.Selected is not null || generation.CheckingStartedAt is null || now < NextHostRefreshAt)
        {
            return;
        }

        ScheduleHostRefresh(now);
        foreach (var local in RefreshHosts())
        {
            IceLog.HostCandidateAppeared(logger, local.Candidate.Address, generation.Number);
            onCandidate(local);
        }
    }

    public void ScheduleHostRefresh(DateTimeOffset now) => NextHostRefreshAt = now + HostRefreshInterval;

    /// <summary>A STUN server answered (RFC 8489 Binding): a server-reflexive candidate when the mapped address is new.</summary>
    public void OnServerResponse(IceTransaction transaction, StunMessageView response)
    {
        transactions.Complete(transaction);
        if (response.Class == StunClass.SuccessResponse && response.TryGetXorMappedAddress(out var mapped) && mapped is not null)
        {
            OnServerReflexive(transaction.Socket, mapped);
        }

        OnServerTransactionDone();
    }

    public void OnServerTimedOut() => OnServerTransactionDone();

    /// <summary>The agent closed: a relay allocated from now on is not adopted.</summary>
    public void Close() => _closed = true;

    public async ValueTask DisposeTurnClientsAsync()
    {
        foreach (var client in _turnClients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Releases waiters on <see cref="Completed"/> once the agent is disposed.</summary>
    public void ReleaseWaiters() => _gathered.TrySetResult();

    private void Emit(IceLocalCandidate local)
    {
        locals.Add(local);
        onCandidate(local);
    }

    private void OnServerReflexive(IDatagramSocket socket, IPEndPoint mapped)
    {
        if (locals.Contains(mapped))
        {
            return; // not behind a NAT (or already known)
        }

        if (locals.OfSocket(socket, IceCandidateType.Host) is not { } baseCandidate)
        {
            return;
        }

        var candidate = new IceCandidate
        {
            Foundation = IceLocalCandidates.Foundation("srflx", baseCandidate.Candidate.Address),
            Priority = IceCandidate.ComputePriority(IceCandidateType.ServerReflexive, baseCandidate.LocalPreference),
            Address = mapped.Address.ToString(),
            Port = mapped.Port,
            Type = IceCandidateType.ServerReflexive,
            RelatedAddress = baseCandidate.Candidate.Address,
            RelatedPort = baseCandidate.Candidate.Port,
        };
        Emit(new IceLocalCandidate(candidate, socket, baseCandidate.LocalPreference));
    }

    private void SendServerRequest(IDatagramSocket socket, IPEndPoint server)
    {
        var transaction = new IceTransaction(IceTransactionKind.StunServer, socket, server)
        {
            MaxTransmissions = options.StunServerTransmissions,
            Rto = options.StunServerRto,
            MaxRto = options.StunServerRto * 4,
        };
        Span<byte> transactionId = stackalloc byte[StunConstants.TransactionIdSize];
        RandomNumberGenerator.Fill(transactionId);
        var writer = new StunWriter(transaction.Buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddFingerprint();
        if (!transaction.TrySeal(ref writer, transactionId))
        {
            return;
        }

        _pendingServerTransactions++;
        transactions.Start(transaction, time.GetUtcNow());
    }

    private void StartTurnAllocations()
    {
        for (var i = 0; i < options.TurnServers.Count; i++)
        {
            var client = new TurnClient(options.TurnServers[i], time, logger);
            _turnClients.Add(client);
            _pendingServerTransactions++;
            _ = AllocateRelayAsync(client, RelayLocalPreference - (i * 256));
        }
    }

    private async Task AllocateRelayAsync(TurnClient client, int localPreference)
    {
        TurnAllocation? allocation = null;
        try
        {
            allocation = await client.AllocateAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TurnException or SocketException or IOException or AuthenticationException
            or OperationCanceledException or ObjectDisposedException)
        {
            IceLog.RelayFailed(logger, client.Options.Server.ToString(), ex);
        }

        post(() => OnRelayAllocated(client, allocation, localPreference));
    }

    private void OnRelayAllocated(TurnClient client, TurnAllocation? allocation, int localPreference)
    {
        if (allocation is not null && client.RelaySocket is { } socket && !_closed)
        {
            transport.Adopt(socket);
            var relayed = allocation.RelayedEndPoint;
            var candidate = new IceCandidate
            {
                Foundation = IceLocalCandidates.Foundation("relay", client.Options.Server.Host),
                Priority = IceCandidate.ComputePriority(IceCandidateType.Relay, localPreference),
                Address = relayed.Address.ToString(),
                Port = relayed.Port,
                Type = IceCandidateType.Relay,
                RelatedAddress = allocation.MappedEndPoint?.Address.ToString(),
                RelatedPort = allocation.MappedEndPoint?.Port,
            };
            Emit(new IceLocalCandidate(candidate, socket, localPreference));
        }

        OnServerTransactionDone();
    }

    private void OnServerTransactionDone()
    {
        if (--_pendingServerTransactions == 0)
        {
            Finish();
        }
    }

    private void Finish()
    {
        onFinished();
        _gathered.TrySetResult();
    }
}
