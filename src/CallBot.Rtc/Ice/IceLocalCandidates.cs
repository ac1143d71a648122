using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Ice;

/// <summary>
/// Our own candidates (host, server-reflexive, relay) and the wildcard sockets host candidates share: which interface
/// addresses become host candidates, how they follow interface changes, and which local candidate a remote address is
/// paired with. Owned by the agent loop.
/// </summary>
internal sealed class IceLocalCandidates(IceOptions options)
{
    /// <summary>The address families host candidates are gathered on, IPv6 first (RFC 8421 §4).</summary>
    public static readonly AddressFamily[] HostFamilies = [AddressFamily.InterNetworkV6, AddressFamily.InterNetwork];

    private readonly List<IceLocalCandidate> _all = [];

    /// <summary>The wildcard sockets host candidates were gathered on, one per address family.</summary>
    private readonly List<IDatagramSocket> _hostSockets = [];

    public IReadOnlyList<IceLocalCandidate> All => _all;

    public void Add(IceLocalCandidate local) => _all.Add(local);

    public void AddHostSocket(IDatagramSocket socket) => _hostSockets.Add(socket);

    /// <summary>
    /// The interface addresses that become host candidates: the options' family and filter rules; loopback only when
    /// asked for or when nothing else is left.
    /// </summary>
    public List<IPAddress> SelectHostAddresses(IReadOnlyList<IPAddress> all)
    {
        var chosen = new List<IPAddress>();
        var loopback = new List<IPAddress>();
        foreach (var address in all)
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6
                && (!options.IncludeIPv6
                    || address.IsIPv4MappedToIPv6
                    || (address.IsIPv6LinkLocal && !options.IncludeIPv6LinkLocal)))
            {
                continue;
            }

            if (options.AddressFilter is { } filter && !filter(address))
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

        if (options.IncludeLoopback || chosen.Count == 0)
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

    /// <summary>The host candidate of the <paramref name="index"/>th address of its family on <paramref name="socket"/>.</summary>
    public static IceLocalCandidate Host(IPAddress address, int index, IDatagramSocket socket)
    {
        // RFC 8421 §4: prefer IPv6 slightly; earlier interfaces first.
        var localPreference = 65535 - (index * 256) - (address.AddressFamily == AddressFamily.InterNetwork ? 128 : 0);
        var text = address.ToString();
        var candidate = new IceCandidate
        {
            Foundation = Foundation("host", text),
            Priority = IceCandidate.ComputePriority(IceCandidateType.Host, localPreference),
            Address = text,
            Port = socket.LocalEndPoint.Port,
            Type = IceCandidateType.Host,
        };
        return new IceLocalCandidate(candidate, socket, localPreference);
    }

    /// <summary>
    /// Host candidates follow <paramref name="current"/> (the selected interface addresses now): those whose address is
    /// gone are dropped, one is added per new address on its family's socket. Returns the ones added.
    /// </summary>
    public List<IceLocalCandidate> RefreshHosts(List<IPAddress> current)
    {
        var added = new List<IceLocalCandidate>();
        var currentText = current.ConvertAll(a => a.ToString());
        _all.RemoveAll(c => c.Candidate.Type == IceCandidateType.Host && !currentText.Contains(c.Candidate.Address));
        foreach (var family in HostFamilies)
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
                if (_all.Exists(c => c.Candidate.Type == IceCandidateType.Host && c.Candidate.Address == address))
                {
                    continue;
                }

                var local = Host(ofFamily[i], i, socket);
                _all.Add(local);
                added.Add(local);
            }
        }

        return added;
    }

    /// <summary>The host candidate to pair with a remote address: same family, loopback with loopback.</summary>
    public IceLocalCandidate? ChooseFor(IPEndPoint remote)
    {
        IceLocalCandidate? best = null;
        var remoteIsLoopback = IPAddress.IsLoopback(remote.Address);
        foreach (var local in _all)
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

    /// <summary>The local candidate a check from <paramref name="remote"/> arriving on <paramref name="socket"/> was sent to.</summary>
    public IceLocalCandidate? ChooseFor(IDatagramSocket socket, IPEndPoint remote)
    {
        if (OfSocket(socket, IceCandidateType.Relay) is { } relay)
        {
            return relay;
        }

        var chosen = ChooseFor(remote);
        return chosen is not null && ReferenceEquals(chosen.Socket, socket) ? chosen : OfSocket(socket, IceCandidateType.Host);
    }

    /// <summary>The first candidate of <paramref name="type"/> whose base is <paramref name="socket"/>.</summary>
    public IceLocalCandidate? OfSocket(IDatagramSocket socket, IceCandidateType type)
    {
        foreach (var local in _all)
        {
            if (ReferenceEquals(local.Socket, socket) && local.Candidate.Type == type)
            {
                return local;
            }
        }

        return null;
    }

    /// <summary>Whether a candidate already has this address and port (a mapped address equal to a host one: no NAT).</summary>
    public bool Contains(IPEndPoint endPoint)
    {
        var address = endPoint.Address.ToString();
        foreach (var local in _all)
        {
            if (local.Candidate.Address == address && local.Candidate.Port == endPoint.Port)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 8445 §5.1.1.3: same type, base IP and server give the same foundation. A stable hash, not random.</summary>
    public static string Foundation(string type, string baseAddress)
    {
        var hash = 2166136261u;
        foreach (var ch in type + "|" + baseAddress)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        return hash.ToString(CultureInfo.InvariantCulture);
    }
}
