using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Ice;

/// <summary>Gathering, remote candidates, credentials and generations (all on the agent loop).</summary>
public sealed partial class IceAgent
{
    private void StartGathering()
    {
        if (_gatheringStarted)
        {
            return;
        }

        _gatheringStarted = true;
        StartTurnAllocations();
        if (RelayOnly)
        {
            if (_pendingServerTransactions == 0)
            {
                FinishGathering();
            }

            return;
        }

        var addresses = SelectHostAddresses(_transport.SocketFactory.GetHostAddresses());
        foreach (var family in new[] { AddressFamily.InterNetworkV6, AddressFamily.InterNetwork })
        {
            var ofFamily = addresses.FindAll(a => a.AddressFamily == family);
            if (ofFamily.Count == 0)
            {
                continue;
            }

            Transport.IDatagramSocket socket;
            try
            {
                var any = family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
                socket = _transport.Bind(new IPEndPoint(any, 0));
            }
            catch (SocketException ex)
            {
                IceLog.BindFailed(_logger, family, ex);
                continue;
            }

            _hostSockets.Add(socket);
            for (var i = 0; i < ofFamily.Count; i++)
            {
                // RFC 8421 §4: prefer IPv6 slightly; earlier interfaces first.
                var localPreference = 65535 - (i * 256) - (family == AddressFamily.InterNetwork ? 128 : 0);
                var address = ofFamily[i];
                var candidate = new IceCandidate
                {
                    Foundation = Foundation("host", address.ToString()),
                    Priority = IceCandidate.ComputePriority(IceCandidateType.Host, localPreference),
                    Address = address.ToString(),
                    Port = socket.LocalEndPoint.Port,
                    Type = IceCandidateType.Host,
                };
                AddLocalCandidate(new IceLocalCandidate(candidate, socket, localPreference));
            }

            foreach (var server in _options.StunServers)
            {
                if (server.AddressFamily == family)
                {
                    SendServerRequest(socket, server);
                }
            }
        }

        if (_pendingServerTransactions == 0)
        {
            FinishGathering();
        }
    }

    /// <summary>
    /// On restart, and while a generation checks without a pair: drop host candidates whose address is gone, add one per
    /// new address on its family's socket. Returns the ones added.
    /// </summary>
    private List<IceLocalCandidate> RefreshHostCandidates()
    {
        var added = new List<IceLocalCandidate>();
        if (!_gatheringStarted || RelayOnly)
        {
            return added;
        }

        List<IPAddress> current;
        try
        {
            current = SelectHostAddresses(_transport.SocketFactory.GetHostAddresses());
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            return added; // keep what we have
        }

        var currentText = current.ConvertAll(a => a.ToString());
        _localCandidates.RemoveAll(c => c.Candidate.Type == IceCandidateType.Host && !currentText.Contains(c.Candidate.Address));
        foreach (var family in new[] { AddressFamily.InterNetworkV6, AddressFamily.InterNetwork })
        {
            // The family's socket from gathering, even when every host candidate on it is gone (all its interfaces down).
            var socket = _hostSockets.Find(s => s.AddressFamily == family);
            if (socket is null)
            {
                continue;
            }

            var ofFamily = current.FindAll(a => a.AddressFamily == family);
            for (var i = 0; i < ofFamily.Count; i++)
            {
                var address = ofFamily[i].ToString();
                if (_localCandidates.Exists(c => c.Candidate.Type == IceCandidateType.Host && c.Candidate.Address == address))
                {
                    continue;
                }

                var localPreference = 65535 - (i * 256) - (family == AddressFamily.InterNetwork ? 128 : 0);
                var local = new IceLocalCandidate(
                    new IceCandidate
                    {
                        Foundation = Foundation("host", address),
                        Priority = IceCandidate.ComputePriority(IceCandidateType.Host, localPreference),
                        Address = address,
                        Port = socket.LocalEndPoint.Port,
                        Type = IceCandidateType.Host,
                    },
                    socket,
                    localPreference);
                _localCandidates.Add(local);
                added.Add(local);
            }
        }

        return added;
    }

    /// <summary>
    /// A generation that gathered while an interface was down (an ICE restart during an outage) has no host candidate on
    /// it, and nothing else notices the interface coming back until the next restart, seconds later. So a generation still
    /// checking without a selected pair looks at the host addresses again every <see cref="HostRefreshInterval"/>; a new
    /// one is trickled to the peer and paired with the remote candidates at once.
    /// </summary>
    private void RunHostRefresh(DateTimeOffset now)
    {
        var generation = _current;
        if (!_started || generation.Selected is not null || generation.CheckingStartedAt is null || now < _nextHostRefreshAt)
        {
            return;
        }

        _nextHostRefreshAt = now + HostRefreshInterval;
        foreach (var local in RefreshHostCandidates())
        {
            var candidate = local.Candidate;
            IceLog.HostCandidateAppeared(_logger, candidate.Address, generation.Number);
            Raise(() => LocalCandidateGathered?.Invoke(candidate));
            foreach (var remote in generation.RemoteCandidates)
            {
                TryFormPair(generation, remote);
            }
        }
    }

    private List<IPAddress> SelectHostAddresses(IReadOnlyList<IPAddress> all)
    {
        var chosen = new List<IPAddress>();
        var loopback = new List<IPAddress>();
        foreach (var address in all)
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6
                && (!_options.IncludeIPv6
                    || address.IsIPv4MappedToIPv6
                    || (address.IsIPv6LinkLocal && !_options.IncludeIPv6LinkLocal)))
            {
                continue;
            }

            if (_options.AddressFilter is { } filter && !filter(address))
            {
                continue;
            }

            if (IPAddress.IsLoopback(address))
            {
                loopback.Add(address);
            }
            else if (!chosen.Contains(address))
            {
                chosen.Add(address);
            }
        }

        if (_options.IncludeLoopback || chosen.Count == 0)
        {
            foreach (var address in loopback)
            {
                if (!chosen.Contains(address))
                {
                    chosen.Add(address);
                }
            }
        }

        return chosen;
    }

    private void AddLocalCandidate(IceLocalCandidate local)
    {
        _localCandidates.Add(local);
        var candidate = local.Candidate;
        Raise(() => LocalCandidateGathered?.Invoke(candidate));
        if (candidate.Type is not (IceCandidateType.Host or IceCandidateType.Relay))
        {
            return; // server-reflexive pairs are pruned to their base (RFC 8445 §6.1.2.4)
        }

        foreach (var remote in _current.RemoteCandidates)
        {
            TryFormPair(_current, remote);
        }
    }

    private void FinishGathering()
    {
        Raise(() => LocalCandidateGathered?.Invoke(null));
        _gathered.TrySetResult();
    }

    private void ApplyRemoteCredentials(IceCredentials credentials)
    {
        if (_current.Remote is { } existing)
        {
            if (existing.Ufrag == credentials.Ufrag && existing.Password == credentials.Password)
            {
                return;
            }

            // The peer restarted without us calling Restart(): start a new generation with our credentials.
            BeginGeneration(_current.Local);
        }

        _current.Remote = credentials;
        _current.RemoteKey = StunIntegrity.ShortTermKey(credentials.Password);
        BeginCheckingIfReady();
        if (_remoteGenerations.Release(credentials.Ufrag) is { } released)
        {
            foreach (var candidate in released)
            {
                ApplyRemoteCandidate(candidate);
            }
        }
    }

    private void BeginCheckingIfReady()
    {
        if (!_started || _current.Remote is null || _current.CheckingStartedAt is not null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        _current.CheckingStartedAt = now;
        _nextCheckAt = now;
        _nextHostRefreshAt = now + HostRefreshInterval;
        if (_state is IceConnectionState.New or IceConnectionState.Failed)
        {
            SetState(IceConnectionState.Checking);
        }
    }

    private void BeginGeneration(IceCredentials local)
    {
        var old = _current;
        _transactions.RemoveChecksOf(old);
        _remoteGenerations.RememberPast(old.Remote);
        _previous = _selected is not null && ReferenceEquals(_selected.Generation, old) ? old : null;
        _current = new IceGeneration(old.Number + 1, local, old.Local);
        _transport.SetLocalUfrags(local.Ufrag, old.Local.Ufrag); // the ufrags FindGenerationByLocalUfrag accepts
        IceLog.Restarted(_logger, _current.Number);

        // Same sockets (bound to the wildcard address), but the interfaces may have changed since (a new network, a new
        // address): host candidates follow the current addresses, then all are emitted again for the new offer/answer.
        RefreshHostCandidates();
        foreach (var candidate in _localCandidates)
        {
            var c = candidate.Candidate;
            Raise(() => LocalCandidateGathered?.Invoke(c));
        }

        if (_gathered.Task.IsCompleted)
        {
            Raise(() => LocalCandidateGathered?.Invoke(null));
        }
    }

    private void ApplyRemoteCandidate(IceCandidate candidate)
    {
        if (!candidate.IsUdp || candidate.Component != IceCandidate.RtpComponent)
        {
            return;
        }

        var generation = _current;
        if (!PassesRemotePolicy(candidate) || !_remoteGenerations.BelongsToCurrent(candidate, _current.Remote))
        {
            return; // refused, held for a later generation, or dropped as stale
        }

        var endPoint = candidate.TryGetEndPoint();
        if (endPoint is null)
        {
            if (_namedRemoteCandidates.Count >= _options.MaxRemoteCandidates)
            {
                RefuseRemote(candidate, IceAddressRefusal.TooMany);
                return;
            }

            _namedRemoteCandidates.Add(candidate);
            Interlocked.Increment(ref _namedCount);
            Counters.Count(IceCounter.MdnsCandidatesKeptAside);
            IceLog.NameCandidateKeptAside(_logger, candidate.Address);
            return;
        }

        var existing = FindRemote(generation, endPoint);
        if (existing is not null)
        {
            if (existing.Type == IceCandidateType.PeerReflexive)
            {
                // RFC 8445 §7.3.1.3: a signaled candidate replaces the peer-reflexive one learned earlier.
                generation.RemoteCandidates.Remove(existing);
                generation.RemoteCandidates.Add(candidate);
                foreach (var pair in generation.Pairs)
                {
                    if (pair.RemoteEndPoint.Equals(endPoint))
                    {
                        pair.Remote = candidate;
                        pair.ComputePriority(_role);
                    }
                }
            }

            return;
        }

        if (generation.RemoteCandidates.Count >= _options.MaxRemoteCandidates)
        {
            RefuseRemote(candidate, IceAddressRefusal.TooMany);
            return;
        }

        generation.RemoteCandidates.Add(candidate);
        TryFormPair(generation, candidate);
    }

    private static IceCandidate? FindRemote(IceGeneration generation, IPEndPoint endPoint)
    {
        foreach (var remote in generation.RemoteCandidates)
        {
            if (endPoint.Equals(remote.TryGetEndPoint()))
            {
                return remote;
            }
        }

        return null;
    }

    /// <summary>One pair per (socket, remote address): host candidates sharing a wildcard socket are one base.</summary>
    private IceCandidatePair? TryFormPair(IceGeneration generation, IceCandidate remote)
    {
        var endPoint = remote.TryGetEndPoint();
        if (endPoint is null)
        {
            return null;
        }

        FormRelayPairs(generation, remote, endPoint);
        var local = RelayOnly ? null : ChooseLocal(endPoint);
        if (local is null)
        {
            return null;
        }

        foreach (var pair in generation.Pairs)
        {
            if (pair.Matches(local.Socket, endPoint))
            {
                return pair;
            }
        }

        return AddPair(generation, local, remote, endPoint);
    }

    /// <summary>The host candidate to pair with a remote address: same family, loopback with loopback.</summary>
    private IceLocalCandidate? ChooseLocal(IPEndPoint remote)
    {
        IceLocalCandidate? best = null;
        var remoteIsLoopback = IPAddress.IsLoopback(remote.Address);
        foreach (var local in _localCandidates)
        {
            if (local.Candidate.Type != IceCandidateType.Host || local.Socket.AddressFamily != remote.AddressFamily)
            {
                continue;
            }

            var localIsLoopback = IPAddress.TryParse(local.Candidate.Address, out var ip) && IPAddress.IsLoopback(ip);
            if (localIsLoopback == remoteIsLoopback)
            {
                return local;
            }

            best ??= local;
        }

        return best;
    }

    private IceLocalCandidate? ChooseLocal(Transport.IDatagramSocket socket, IPEndPoint remote)
    {
        if (RelayCandidateOf(socket) is { } relay)
        {
            return relay;
        }

        var chosen = ChooseLocal(remote);
        if (chosen is not null && ReferenceEquals(chosen.Socket, socket))
        {
            return chosen;
        }

        foreach (var local in _localCandidates)
        {
            if (ReferenceEquals(local.Socket, socket) && local.Candidate.Type == IceCandidateType.Host)
            {
                return local;
            }
        }

        return null;
    }

    private IceCandidate LearnPeerReflexive(IceGeneration generation, IPEndPoint source, uint priority)
    {
        var candidate = new IceCandidate
        {
            Foundation = "prflx" + (++_prflxCounter).ToString(CultureInfo.InvariantCulture),
            Priority = priority,
            Address = source.Address.ToString(),
            Port = source.Port,
            Type = IceCandidateType.PeerReflexive,
        };
        generation.RemoteCandidates.Add(candidate);
        IceLog.PeerReflexiveLearned(_logger, source);
        return candidate;
    }

    private void OnServerReflexive(Transport.IDatagramSocket socket, IPEndPoint mapped)
    {
        foreach (var local in _localCandidates)
        {
            if (local.Candidate.Address == mapped.Address.ToString() && local.Candidate.Port == mapped.Port)
            {
                return; // not behind a NAT (or already known)
            }
        }

        IceLocalCandidate? baseCandidate = null;
        foreach (var local in _localCandidates)
        {
            if (ReferenceEquals(local.Socket, socket) && local.Candidate.Type == IceCandidateType.Host)
            {
                baseCandidate = local;
                break;
            }
        }

        if (baseCandidate is null)
        {
            return;
        }

        var candidate = new IceCandidate
        {
            Foundation = Foundation("srflx", baseCandidate.Candidate.Address),
            Priority = IceCandidate.ComputePriority(IceCandidateType.ServerReflexive, baseCandidate.LocalPreference),
            Address = mapped.Address.ToString(),
            Port = mapped.Port,
            Type = IceCandidateType.ServerReflexive,
            RelatedAddress = baseCandidate.Candidate.Address,
            RelatedPort = baseCandidate.Candidate.Port,
        };
        AddLocalCandidate(new IceLocalCandidate(candidate, socket, baseCandidate.LocalPreference));
    }

    /// <summary>RFC 8445 §5.1.1.3: same type, base IP and server give the same foundation. A stable hash, not random.</summary>
    private static string Foundation(string type, string baseAddress)
    {
        var hash = 2166136261u;
        foreach (var ch in type + "|" + baseAddress)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        return hash.ToString(CultureInfo.InvariantCulture);
    }
}
