using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Turn;

/// <summary>
/// Application data through the relay: out as ChannelData (RFC 8656 §12.4) or a Send indication (§11.2), in from
/// ChannelData (§12.6) or a Data indication (§11.4) to the relay socket's receive queue. Every drop is counted by reason;
/// pooled buffers only, nothing allocated per datagram. Safe from any thread.
/// </summary>
internal sealed class TurnDataPath(TurnPeers peers, TurnCounters counters, Func<TurnRelaySocket?> relaySocket)
{
    /// <summary>Room for the STUN header, XOR-PEER-ADDRESS (IPv6) and the DATA attribute header of a Send indication.</summary>
    private const int SendIndicationOverhead = StunConstants.HeaderSize + 24 + StunConstants.AttributeHeaderSize + 3;

    /// <summary>Sends to <paramref name="peer"/> on its bound channel, else as a Send indication.</summary>
    public bool Send(ITurnTransport transport, TurnPeer peer, ReadOnlySpan<byte> payload) =>
        peer.ChannelBound ? SendChannelData(transport, peer.Channel, payload) : SendIndication(transport, peer.EndPoint, payload);

    /// <summary>The permission is installed: what waited for it goes out (and its buffers back to the pool).</summary>
    public void FlushWaiting(ITurnTransport? transport, TurnPermission permission)
    {
        while (peers.TryDequeueWaiting(permission, out var item))
        {
            if (transport is not null)
            {
                Send(transport, item.Peer, item.Buffer.AsSpan(0, item.Length));
            }

            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    /// <summary>ChannelData from the server (RFC 8656 §12.6): look the peer up by channel, hand the payload on.</summary>
    public void OnChannelData(ReadOnlySpan<byte> frame)
    {
        if (!ChannelData.TryParse(frame, out var channel, out var payload, out var reason))
        {
            counters.Drops.Count(reason);
            return;
        }

        DeliverFrom(peers.ByChannel(channel), payload, TurnCounter.ChannelDataReceived, TurnDropReason.UnknownChannel);
    }

    /// <summary>Data indication (RFC 8656 §11.4): XOR-PEER-ADDRESS and DATA are both required.</summary>
    public void OnDataIndication(in StunMessageView message)
    {
        var endPoint = TurnResponse.ReadXorAddress(message, TurnAttributeType.XorPeerAddress);
        if (endPoint is null || !message.TryGetAttribute(TurnAttributeType.Data, out var payload))
        {
            counters.Drops.Count(TurnDropReason.BadDataIndication);
            return;
        }

        DeliverFrom(peers.Permitted(endPoint), payload, TurnCounter.DataIndicationsReceived, TurnDropReason.NoPermission);
    }

    /// <summary>Both ways in end here: a payload from a peer we know is counted and queued on the relay socket (dropped
    /// when its queue is full), one from any other is dropped.</summary>
    private void DeliverFrom(TurnPeer? peer, ReadOnlySpan<byte> payload, TurnCounter received, TurnDropReason unknown)
    {
        if (peer is null)
        {
            counters.Drops.Count(unknown);
            return;
        }

        counters.Count(received);
        if (relaySocket() is { } socket && !socket.Enqueue(payload, peer))
        {
            counters.Drops.Count(TurnDropReason.ReceiveQueueFull);
        }
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
            return Sent(transport.TrySend(frame), TurnCounter.ChannelDataSent);
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
            return Sent(writer.TryComplete(out var length) && transport.TrySend(buffer.AsSpan(0, length)), TurnCounter.SendIndicationsSent);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool Sent(bool sent, TurnCounter counter)
    {
        counters.Count(sent ? counter : TurnCounter.SendFailures);
        return sent;
    }
}
