using System.Net;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Ice;

/// <summary>
/// STUN from the receive loop to the agent loop: garbage is rejected there cheaply, the rest is copied and posted, at
/// most <see cref="MaxQueued"/> at a time (beyond that a flood is dropped and counted, so it cannot grow the queue).
/// </summary>
internal sealed class IceStunInbox(IceCounters counters, Action<Action> post, Action<byte[], IPEndPoint, IDatagramSocket> handle)
{
    /// <summary>STUN datagrams copied to the agent loop and not handled yet.</summary>
    public const int MaxQueued = 256;

    private int _queued;

    /// <summary>Runs on the receive loop.</summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket)
    {
        if (!StunMessage.TryParse(datagram, out _, out _))
        {
            counters.Count(IceCounter.StunMalformed);
            return;
        }

        IPEndPoint from;
        try
        {
            from = (IPEndPoint)socket.LocalEndPoint.Create(source);
        }
        catch (ArgumentException)
        {
            counters.Count(IceCounter.StunMalformed);
            return;
        }

        if (Interlocked.Increment(ref _queued) > MaxQueued)
        {
            Interlocked.Decrement(ref _queued);
            counters.Count(IceCounter.StunQueueFull);
            return;
        }

        var copy = datagram.ToArray();
        post(() =>
        {
            Interlocked.Decrement(ref _queued);
            handle(copy, from, socket);
        });
    }
}
