using System.Net;

namespace CallBot.Rtc.Transport;

/// <summary>
/// Wraps an <see cref="IDatagramSocketFactory"/> so every socket it binds is an <see cref="ImpairedDatagramSocket"/>
/// with the same profile; give one to each bot of an impaired group. Each socket gets its own seed (base + n). Built on an
/// <see cref="ImpairmentControl"/>, every socket is wrapped (even while the profile is clean) and follows the control's
/// changes; built on a fixed profile, a clean profile binds plain sockets. Over a <see cref="SharedPortSocketFactory"/>
/// each connection is impaired on its own (<see cref="ImpairedSharedDatagramSocket"/>), so a bandwidth cap stays per connection.
/// </summary>
public sealed class ImpairedSocketFactory : IDatagramSocketFactory
{
    private readonly IDatagramSocketFactory _inner;
    private readonly ImpairmentScheduler _scheduler;
    private readonly ImpairmentProfile? _fixed;
    private readonly ImpairmentControl? _control;
    private readonly int _seed;
    private int _sockets;

    public ImpairedSocketFactory(IDatagramSocketFactory inner, ImpairmentProfile profile, ImpairmentScheduler? scheduler = null, int seed = 1)
        : this(inner, scheduler, seed)
    {
        _fixed = profile ?? throw new ArgumentNullException(nameof(profile));
    }

    public ImpairedSocketFactory(IDatagramSocketFactory inner, ImpairmentControl control, ImpairmentScheduler? scheduler = null, int seed = 1)
        : this(inner, scheduler, seed)
    {
        _control = control ?? throw new ArgumentNullException(nameof(control));
    }

    private ImpairedSocketFactory(IDatagramSocketFactory inner, ImpairmentScheduler? scheduler, int seed)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _scheduler = scheduler ?? ImpairmentScheduler.Shared;
        _seed = seed;
    }

    public ImpairmentProfile Profile => _control?.Profile ?? _fixed!;

    public IDatagramSocket Bind(IPEndPoint localEndPoint)
    {
        var socket = _inner.Bind(localEndPoint);
        var seed = _seed + Interlocked.Increment(ref _sockets);
        ImpairedDatagramSocket impaired;
        if (_control is not null)
        {
            impaired = new ImpairedDatagramSocket(socket, _control, _scheduler, seed);
        }
        else if (_fixed!.Uplink.IsNone && _fixed.Downlink.IsNone)
        {
            return socket;
        }
        else
        {
            impaired = new ImpairedDatagramSocket(socket, _fixed, _scheduler, seed);
        }

        // A connection on a shared port stays one (its ufrags routed to it), impaired like a socket of its own.
        return socket is ISharedDatagramSocket shared ? new ImpairedSharedDatagramSocket(shared, impaired) : impaired;
    }

    public IReadOnlyList<IPAddress> GetHostAddresses() => _inner.GetHostAddresses();
}
