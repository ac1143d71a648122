using System.Net;

namespace CallBot.Rtc.Transport;

/// <summary>
/// Wraps an <see cref="IDatagramSocketFactory"/> so every socket it binds is an <see cref="ImpairedDatagramSocket"/>
/// with the same profile; give one to each bot of an impaired group. Each socket gets its own seed (base + n).
/// </summary>
public sealed class ImpairedSocketFactory(IDatagramSocketFactory inner, ImpairmentProfile profile, ImpairmentScheduler? scheduler = null, int seed = 1) : IDatagramSocketFactory
{
    private readonly ImpairmentScheduler _scheduler = scheduler ?? ImpairmentScheduler.Shared;
    private int _sockets;

    public ImpairmentProfile Profile => profile;

    public IDatagramSocket Bind(IPEndPoint localEndPoint)
    {
        var socket = inner.Bind(localEndPoint);
        return profile.Uplink.IsNone && profile.Downlink.IsNone
            ? socket
            : new ImpairedDatagramSocket(socket, profile, _scheduler, seed + Interlocked.Increment(ref _sockets));
    }

    public IReadOnlyList<IPAddress> GetHostAddresses() => inner.GetHostAddresses();
}
