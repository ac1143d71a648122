using System.Net.Sockets;
using System.Security.Authentication;
using CallBot.Rtc.Turn;

namespace CallBot.Rtc.Ice;

/// <summary>
/// Relay candidates (RFC 8445 §5.1.1.2): one <see cref="TurnClient"/> per configured TURN server,
/// allocated during gathering off the agent loop; each relayed address becomes a <c>typ relay</c>
/// candidate whose base is the <see cref="TurnRelaySocket"/> (raddr/rport = the mapped address).
/// </summary>
public sealed partial class IceAgent
{
    /// <summary>RFC 8445 §5.1.2.1: local preference of relay candidates (one per server; earlier servers preferred).</summary>
    private const int RelayLocalPreference = 65535;

    private readonly List<TurnClient> _turnClients = [];

    private bool RelayOnly => _options.TransportPolicy == IceTransportPolicy.Relay;

    private void StartTurnAllocations()
    {
        for (var i = 0; i < _options.TurnServers.Count; i++)
        {
            var client = new TurnClient(_options.TurnServers[i], _time, _logger);
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
            IceLog.RelayFailed(_logger, client.Options.Server.ToString(), ex);
        }

        Post(() => OnRelayAllocated(client, allocation, localPreference));
    }

    private void OnRelayAllocated(TurnClient client, TurnAllocation? allocation, int localPreference)
    {
        if (allocation is not null && client.RelaySocket is { } socket && _state != IceConnectionState.Closed)
        {
            _transport.Adopt(socket);
            var relayed = allocation.RelayedEndPoint;
            var candidate = new IceCandidate
            {
                Foundation = Foundation("relay", client.Options.Server.Host),
                Priority = IceCandidate.ComputePriority(IceCandidateType.Relay, localPreference),
                Address = relayed.Address.ToString(),
                Port = relayed.Port,
                Type = IceCandidateType.Relay,
                RelatedAddress = allocation.MappedEndPoint?.Address.ToString(),
                RelatedPort = allocation.MappedEndPoint?.Port,
            };
            AddLocalCandidate(new IceLocalCandidate(candidate, socket, localPreference));
        }

        OnServerTransactionDone();
    }

    /// <summary>Pairs <paramref name="remote"/> with every relay candidate of its family (relay bases are their own sockets).</summary>
    private void FormRelayPairs(IceGeneration generation, IceCandidate remote, System.Net.IPEndPoint endPoint)
    {
        foreach (var local in _localCandidates)
        {
            if (local.Candidate.Type != IceCandidateType.Relay || local.Socket.AddressFamily != endPoint.AddressFamily)
            {
                continue;
            }

            var exists = false;
            foreach (var pair in generation.Pairs)
            {
                if (pair.Matches(local.Socket, endPoint))
                {
                    exists = true;
                    break;
                }
            }

            if (!exists)
            {
                AddPair(generation, local, remote, endPoint);
            }
        }
    }

    private IceLocalCandidate? RelayCandidateOf(Transport.IDatagramSocket socket)
    {
        foreach (var local in _localCandidates)
        {
            if (ReferenceEquals(local.Socket, socket) && local.Candidate.Type == IceCandidateType.Relay)
            {
                return local;
            }
        }

        return null;
    }

    private async Task DisposeTurnClientsAsync()
    {
        foreach (var client in _turnClients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }
}
