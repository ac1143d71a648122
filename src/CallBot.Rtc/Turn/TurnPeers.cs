using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Turn;

/// <summary>
/// The peers an allocation talks to (at most <see cref="TurnClientOptions.MaxPeers"/>), their permissions (RFC 8656 §9)
/// with the datagrams waiting for one (at most <see cref="TurnClientOptions.PendingPerPeer"/> each), and the channel
/// numbers handed out (§12). Every lookup and change runs under one lock; safe from any thread.
/// </summary>
internal sealed class TurnPeers(TurnClientOptions options, TurnCounters counters)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<SocketAddress, TurnPeer> _byAddress = [];
    private readonly Dictionary<IPEndPoint, TurnPeer> _byEndPoint = [];
    private readonly Dictionary<ushort, TurnPeer> _byChannel = [];
    private readonly Dictionary<IPAddress, TurnPermission> _permissions = [];
    private ushort _nextChannel = ChannelData.MinChannel;

    /// <summary>What <see cref="PrepareSend"/> decided for a datagram to a peer without a bound channel.</summary>
    public enum SendRoute
    {
        /// <summary>The permission is installed: send a Send indication.</summary>
        Indication,

        /// <summary>Held until the permission is installed.</summary>
        Queued,

        /// <summary>Dropped: the peer's queue is full.</summary>
        Dropped,
    }

    public TurnPermission GetPermission(IPAddress address)
    {
        lock (_gate)
        {
            return GetPermissionLocked(address);
        }
    }

    public TurnPeer? GetOrAdd(IPEndPoint endPoint)
    {
        lock (_gate)
        {
            return _byEndPoint.TryGetValue(endPoint, out var existing) ? existing : AddLocked(endPoint);
        }
    }

    /// <summary>The hot-path lookup by the socket address a sender gives; null when it is not an IP address or the table is full.</summary>
    public TurnPeer? GetOrAdd(SocketAddress address)
    {
        lock (_gate)
        {
            if (_byAddress.TryGetValue(address, out var known))
            {
                return known;
            }

            IPEndPoint endPoint;
            try
            {
                var template = address.Family == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
                endPoint = (IPEndPoint)template.Create(address);
            }
            catch (ArgumentException)
            {
                return null;
            }

            return _byEndPoint.TryGetValue(endPoint, out var existing) ? existing : AddLocked(endPoint);
        }
    }

    /// <summary>
    /// For a peer without a bound channel: whether its permission allows a Send indication now, or the datagram is held
    /// (a copy) until it does. <paramref name="startSetup"/>: this call is the first for the peer and must start its setup.
    /// </summary>
    public SendRoute PrepareSend(TurnPeer peer, ReadOnlySpan<byte> payload, out bool startSetup)
    {
        lock (_gate)
        {
            var permission = GetPermissionLocked(peer.EndPoint.Address);
            startSetup = !peer.SetupStarted;
            peer.SetupStarted = true;
            if (permission.Installed)
            {
                return SendRoute.Indication;
            }

            if (permission.Waiting.Count >= options.PendingPerPeer)
            {
                return SendRoute.Dropped;
            }

            var copy = ArrayPool<byte>.Shared.Rent(payload.Length);
            payload.CopyTo(copy);
            permission.Waiting.Enqueue((copy, payload.Length, peer));
            return SendRoute.Queued;
        }
    }

    /// <summary>
    /// The installation of <paramref name="permission"/> under way (one at a time), or a new one from <paramref name="install"/>
    /// when none runs, the last failed, or <paramref name="force"/> (a refresh asked for by the caller).
    /// </summary>
    public Task EnsureInstalling(TurnPermission permission, bool force, Func<TurnPermission, Task> install)
    {
        lock (_gate)
        {
            if (!force && permission.Installing is { IsFaulted: false, IsCanceled: false } existing)
            {
                return existing;
            }

            var task = install(permission);
            permission.Installing = task;
            return task;
        }
    }

    /// <summary>The peer's setup failed: the next send starts it again.</summary>
    public void SetupFailed(TurnPeer peer)
    {
        lock (_gate)
        {
            peer.SetupStarted = false;
        }
    }

    /// <summary>Reserves a channel number for <paramref name="peer"/> (if it has none); false when the numbers are used up.</summary>
    public bool TryReserveChannel(TurnPeer peer)
    {
        lock (_gate)
        {
            if (peer.Channel != 0)
            {
                return true;
            }

            if (_nextChannel > ChannelData.MaxBindableChannel)
            {
                return false;
            }

            peer.Channel = _nextChannel++;
            _byChannel[peer.Channel] = peer;
            return true;
        }
    }

    public TurnPeer? ByChannel(ushort channel)
    {
        lock (_gate)
        {
            return _byChannel.TryGetValue(channel, out var peer) ? peer : null;
        }
    }

    /// <summary>The peer a Data indication from <paramref name="endPoint"/> is for, or null when its address has no installed permission (or the table is full).</summary>
    public TurnPeer? Permitted(IPEndPoint endPoint)
    {
        lock (_gate)
        {
            if (!_permissions.TryGetValue(endPoint.Address, out var permission) || !permission.Installed)
            {
                return null;
            }

            return _byEndPoint.TryGetValue(endPoint, out var known) ? known : AddLocked(endPoint);
        }
    }

    /// <summary>The addresses with an installed permission, to refresh.</summary>
    public IPAddress[] InstalledPermissions()
    {
        lock (_gate)
        {
            return [.. _permissions.Values.Where(p => p.Installed).Select(p => p.Address)];
        }
    }

    /// <summary>The peers with a bound channel, to re-bind.</summary>
    public List<TurnPeer> BoundPeers()
    {
        lock (_gate)
        {
            return [.. _byChannel.Values.Where(p => p.ChannelBound)];
        }
    }

    /// <summary>Test and benchmark hook: records <paramref name="endPoint"/> as permitted and bound to <paramref name="channel"/>.</summary>
    public void BindLocally(IPEndPoint endPoint, ushort channel)
    {
        lock (_gate)
        {
            var peer = _byEndPoint.TryGetValue(endPoint, out var existing) ? existing : AddLocked(endPoint)!;
            peer.Channel = channel;
            peer.SetupStarted = true;
            peer.ChannelBound = true;
            _byChannel[channel] = peer;
            GetPermissionLocked(endPoint.Address).Installed = true;
        }
    }

    public bool TryDequeueWaiting(TurnPermission permission, out (byte[] Buffer, int Length, TurnPeer Peer) item)
    {
        lock (_gate)
        {
            return permission.Waiting.TryDequeue(out item);
        }
    }

    /// <summary>Drops (and counts) what waits for <paramref name="permission"/>.</summary>
    public void DropWaiting(TurnPermission permission)
    {
        lock (_gate)
        {
            while (permission.Waiting.TryDequeue(out var item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
                counters.Count(TurnCounter.SendFailures);
            }
        }
    }

    /// <summary>Drops everything still waiting for a permission (the client is disposed).</summary>
    public void DropAllWaiting()
    {
        TurnPermission[] permissions;
        lock (_gate)
        {
            permissions = [.. _permissions.Values];
        }

        foreach (var permission in permissions)
        {
            DropWaiting(permission);
        }
    }

    private TurnPermission GetPermissionLocked(IPAddress address)
    {
        if (!_permissions.TryGetValue(address, out var permission))
        {
            permission = new TurnPermission(address);
            _permissions[address] = permission;
        }

        return permission;
    }

    private TurnPeer? AddLocked(IPEndPoint endPoint)
    {
        if (_byEndPoint.Count >= options.MaxPeers)
        {
            return null;
        }

        var peer = new TurnPeer(endPoint);
        _byEndPoint[endPoint] = peer;
        _byAddress[peer.Address] = peer;
        return peer;
    }
}
