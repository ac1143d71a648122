using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Turn;

/// <summary>One peer transport address (IP:port) the allocation talks to, and its channel.</summary>
internal sealed class TurnPeer
{
    public TurnPeer(IPEndPoint endPoint)
    {
        EndPoint = endPoint;
        Address = endPoint.Serialize();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Cached for <see cref="TurnRelaySocket.ReceiveFromAsync"/> so received data needs no allocation.</summary>
    public SocketAddress Address { get; }

    /// <summary>Channel reserved for this peer (0 = none yet).</summary>
    public ushort Channel { get; set; }

    /// <summary>Set once the server confirmed the ChannelBind; from then on data goes as ChannelData.</summary>
    public volatile bool ChannelBound;

    /// <summary>A background permission + channel setup was started.</summary>
    public bool SetupStarted { get; set; }
}

/// <summary>Permission state for one peer IP address (RFC 8656 §9) and the datagrams waiting for it.</summary>
internal sealed class TurnPermission(IPAddress address)
{
    public IPAddress Address { get; } = address;

    public Task? Installing { get; set; }

    public volatile bool Installed;

    public Queue<(byte[] Buffer, int Length, TurnPeer Peer)> Waiting { get; } = new();
}
