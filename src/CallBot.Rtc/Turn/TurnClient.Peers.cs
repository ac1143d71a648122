using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Turn;

/// <summary>Permissions (RFC 8656 §9), channels (§12) and the data paths (§11, §12.4).</summary>
public sealed partial class TurnClient
{
    /// <summary>Room for the STUN header, XOR-PEER-ADDRESS (IPv6) and the DATA attribute header of a Send indication.</summary>
    private const int SendIndicationOverhead = StunConstants.HeaderSize + 24 + StunConstants.AttributeHeaderSize + 3;

    private readonly Dictionary<SocketAddress, TurnPeer> _peersByAddress = [];
    private readonly Dictionary<IPEndPoint, TurnPeer> _peersByEndPoint = [];
    private readonly Dictionary<ushort, TurnPeer> _peersByChannel = [];
    private readonly Dictionary<IPAddress, TurnPermission> _permissions = [];
    private ushort _nextChannel = ChannelData.MinChannel;

    /// <summary>Installs (or refreshes) a permission so <paramref name="peer"/> may send to the relayed address.</summary>
    public Task CreatePermissionAsync(IPAddress peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return EnsurePermissionAsync(GetPermission(peer), force: true, cancellationToken);
    }

    /// <summary>Binds a channel to <paramref name="peer"/> (also installs its permission); returns the channel number.</summary>
    public async Task<ushort> BindChannelAsync(IPEndPoint peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var entry = GetOrAddPeer(peer) ?? throw new TurnException("too many TURN peers");
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
        var transport = Volatile.Read(ref _transport);
        if (transport is null || Allocation is null || Volatile.Read(ref _disposed) != 0)
        {
            Counters.Count(TurnCounter.SendFailures);
            return false;
        }

        TurnPeer? entry;
        lock (_gate)
        {
            if (!_peersByAddress.TryGetValue(peer, out entry))
            {
                entry = TryCreatePeerLocked(peer);
                if (entry is null)
                {
                    Counters.Count(TurnCounter.SendFailures);
                    return false;
                }
            }
        }

        if (entry.ChannelBound)
        {
            return SendChannelData(transport, entry.Channel, payload);
        }

        TurnPermission permission;
        var startSetup = false;
        lock (_gate)
        {
            permission = GetPermissionLocked(entry.EndPoint.Address);
            if (!entry.SetupStarted)
            {
                entry.SetupStarted = true;
                startSetup = true;
            }

            if (!permission.Installed)
            {
                var queued = false;
                if (permission.Waiting.Count < _options.PendingPerPeer)
                {
                    var copy = ArrayPool<byte>.Shared.Rent(payload.Length);
                    payload.CopyTo(copy);
                    permission.Waiting.Enqueue((copy, payload.Length, entry));
                    queued = true;
                }

                if (startSetup)
                {
                    _ = SetUpPeerAsync(entry);
                }

                if (!queued)
                {
                    Counters.Count(TurnCounter.SendFailures);
                }

                return queued;
            }
        }

        if (startSetup)
        {
            _ = SetUpPeerAsync(entry);
        }

        return SendIndication(transport, entry.EndPoint, payload);
    }

    /// <summary>Convenience overload for the cold path (allocates the address).</summary>
    public bool TrySend(ReadOnlySpan<byte> payload, IPEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return TrySend(payload, peer.Serialize());
    }

    private bool SendChannelData(ITurnTransport transport, ushort channel, ReadOnlySpan<byte> payload)
    {
        var frameSize = ChannelData.GetFrameSize(payload.Length, transport.IsReliable);
        var buffer = ArrayPool<byte>.Shared.Rent(frameSize);
        try
        {
            var frame = buffer.AsSpan(0, frameSize);
            payload.CopyTo(frame[ChannelData.HeaderSize..]);
            ChannelData.WriteHeader(frame, channel, payload.Length);
            frame[(ChannelData.HeaderSize + payload.Length)..].Clear();
            if (transport.TrySend(frame))
            {
                Counters.Count(TurnCounter.ChannelDataSent);
                return true;
            }

            Counters.Count(TurnCounter.SendFailures);
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool SendIndication(ITurnTransport transport, IPEndPoint peer, ReadOnlySpan<byte> payload)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(payload.Length + SendIndicationOverhead);
        try
        {
            Span<byte> transactionId = stackalloc byte[StunConstants.TransactionIdSize];
            RandomNumberGenerator.Fill(transactionId);
            var writer = new StunWriter(buffer, StunMessageType.Encode(StunMethod.Send, StunClass.Indication), transactionId);
            Span<byte> address = stackalloc byte[StunXorAddress.GetSize(AddressFamily.InterNetworkV6)];
            var addressLength = StunXorAddress.Encode(peer, transactionId, address);
            writer.AddAttribute(TurnAttributeType.XorPeerAddress, address[..addressLength]);
            writer.AddAttribute(TurnAttributeType.Data, payload);
            if (writer.TryComplete(out var length) && transport.TrySend(buffer.AsSpan(0, length)))
            {
                Counters.Count(TurnCounter.SendIndicationsSent);
                return true;
            }

            Counters.Count(TurnCounter.SendFailures);
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
            lock (_gate)
            {
                peer.SetupStarted = false;
            }
        }
    }

    private async Task BindChannelAsync(TurnPeer peer, CancellationToken cancellationToken)
    {
        var permission = GetPermission(peer.EndPoint.Address);
        await EnsurePermissionAsync(permission, force: false, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (peer.Channel == 0)
            {
                if (_nextChannel > ChannelData.MaxBindableChannel)
                {
                    // Out of channel numbers: this peer stays on Send/Data indications.
                    return;
                }

                peer.Channel = _nextChannel++;
                _peersByChannel[peer.Channel] = peer;
            }
        }

        await SendChannelBindAsync(peer, cancellationToken).ConfigureAwait(false);
        peer.ChannelBound = true;
    }

    private async Task SendChannelBindAsync(TurnPeer peer, CancellationToken cancellationToken)
    {
        await TransactAsync(
            StunMethod.ChannelBind,
            static (ref StunWriter w, TurnPeer p) =>
            {
                var channel = new byte[4]; // cold path; a stack span cannot flow into the ref writer
                BinaryPrimitives.WriteUInt16BigEndian(channel, p.Channel);
                w.AddAttribute(TurnAttributeType.ChannelNumber, channel);
                AddXorPeerAddress(ref w, p.EndPoint);
            },
            peer,
            cancellationToken).ConfigureAwait(false);
        Counters.Count(TurnCounter.ChannelBinds);
    }

    private Task EnsurePermissionAsync(TurnPermission permission, bool force, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!force && permission.Installing is { IsFaulted: false, IsCanceled: false } existing)
            {
                return existing.WaitAsync(cancellationToken);
            }

            var task = InstallPermissionAsync(permission);
            permission.Installing = task;
            return task.WaitAsync(cancellationToken);
        }
    }

    private async Task InstallPermissionAsync(TurnPermission permission)
    {
        try
        {
            await SendCreatePermissionAsync([permission.Address], _lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TurnException or OperationCanceledException or ObjectDisposedException)
        {
            TurnLog.PermissionFailed(_logger, permission.Address, ex);
            DropWaiting(permission);
            throw;
        }

        permission.Installed = true;
        FlushWaiting(permission);
    }

    private async Task SendCreatePermissionAsync(IPAddress[] peers, CancellationToken cancellationToken)
    {
        await TransactAsync(
            StunMethod.CreatePermission,
            static (ref StunWriter w, IPAddress[] addresses) =>
            {
                foreach (var address in addresses)
                {
                    // The port is ignored for permissions (RFC 8656 §10.1).
                    AddXorPeerAddress(ref w, new IPEndPoint(address, 0));
                }
            },
            peers,
            cancellationToken).ConfigureAwait(false);
        Counters.Count(TurnCounter.PermissionRequests);
    }

    private static void AddXorPeerAddress(ref StunWriter writer, IPEndPoint peer)
    {
        var value = new byte[StunXorAddress.GetSize(AddressFamily.InterNetworkV6)];
        var length = StunXorAddress.Encode(peer, writer.TransactionId, value);
        writer.AddAttribute(TurnAttributeType.XorPeerAddress, value.AsSpan(0, length));
    }

    private void FlushWaiting(TurnPermission permission)
    {
        var transport = _transport;
        while (true)
        {
            (byte[] Buffer, int Length, TurnPeer Peer) item;
            lock (_gate)
            {
                if (!permission.Waiting.TryDequeue(out item))
                {
                    return;
                }
            }

            if (transport is not null)
            {
                if (item.Peer.ChannelBound)
                {
                    SendChannelData(transport, item.Peer.Channel, item.Buffer.AsSpan(0, item.Length));
                }
                else
                {
                    SendIndication(transport, item.Peer.EndPoint, item.Buffer.AsSpan(0, item.Length));
                }
            }

            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    private void DropWaiting(TurnPermission permission)
    {
        lock (_gate)
        {
            while (permission.Waiting.TryDequeue(out var item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
                Counters.Count(TurnCounter.SendFailures);
            }
        }
    }

    private void ReleaseWaiting()
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

    private TurnPermission GetPermission(IPAddress address)
    {
        lock (_gate)
        {
            return GetPermissionLocked(address);
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

    private TurnPeer? GetOrAddPeer(IPEndPoint endPoint)
    {
        lock (_gate)
        {
            return GetOrAddPeerLocked(endPoint);
        }
    }

    private TurnPeer? GetOrAddPeerLocked(IPEndPoint endPoint) =>
        _peersByEndPoint.TryGetValue(endPoint, out var existing) ? existing : AddPeerLocked(endPoint);

    private TurnPeer? TryCreatePeerLocked(SocketAddress address)
    {
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

        return _peersByEndPoint.TryGetValue(endPoint, out var existing) ? existing : AddPeerLocked(endPoint);
    }

    private TurnPeer? AddPeerLocked(IPEndPoint endPoint)
    {
        if (_peersByEndPoint.Count >= _options.MaxPeers)
        {
            return null;
        }

        var peer = new TurnPeer(endPoint);
        _peersByEndPoint[endPoint] = peer;
        _peersByAddress[peer.Address] = peer;
        return peer;
    }

    /// <summary>ChannelData from the server (RFC 8656 §12.6): look the peer up by channel, hand the payload on.</summary>
    private void OnChannelData(ReadOnlySpan<byte> frame)
    {
        if (!ChannelData.TryParse(frame, out var channel, out var payload, out var reason))
        {
            Counters.Drops.Count(reason);
            return;
        }

        TurnPeer? peer;
        lock (_gate)
        {
            _peersByChannel.TryGetValue(channel, out peer);
        }

        if (peer is null)
        {
            Counters.Drops.Count(TurnDropReason.UnknownChannel);
            return;
        }

        Counters.Count(TurnCounter.ChannelDataReceived);
        Deliver(payload, peer);
    }

    /// <summary>Data indication (RFC 8656 §11.4): XOR-PEER-ADDRESS and DATA are both required.</summary>
    private void OnDataIndication(in StunMessageView message)
    {
        var endPoint = TurnResponse.ReadXorAddress(message, TurnAttributeType.XorPeerAddress);
        if (endPoint is null || !message.TryGetAttribute(TurnAttributeType.Data, out var payload))
        {
            Counters.Drops.Count(TurnDropReason.BadDataIndication);
            return;
        }

        TurnPeer? peer;
        lock (_gate)
        {
            if (!_permissions.TryGetValue(endPoint.Address, out var permission) || !permission.Installed)
            {
                Counters.Drops.Count(TurnDropReason.NoPermission);
                return;
            }

            peer = _peersByEndPoint.TryGetValue(endPoint, out var known) ? known : AddPeerLocked(endPoint);
        }

        if (peer is null)
        {
            Counters.Drops.Count(TurnDropReason.NoPermission);
            return;
        }

        Counters.Count(TurnCounter.DataIndicationsReceived);
        Deliver(payload, peer);
    }

    private void Deliver(ReadOnlySpan<byte> payload, TurnPeer peer)
    {
        if (RelaySocket is { } socket && !socket.Enqueue(payload, peer))
        {
            Counters.Drops.Count(TurnDropReason.ReceiveQueueFull);
        }
    }
}
