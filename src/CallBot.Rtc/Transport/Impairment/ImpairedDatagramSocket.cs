using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace CallBot.Rtc.Transport;

/// <summary>
/// An <see cref="IDatagramSocket"/> decorator that impairs each direction per <see cref="ImpairmentProfile"/> in
/// CallBot's own socket layer (no root, no kernel netem). Sends are decided at once: dropped, sent now, or copied into a
/// pooled buffer and released later by the shared <see cref="ImpairmentScheduler"/>. When the downlink is impaired, one
/// receive pump per socket reads the inner socket and feeds a queue after the same decisions. A direction with
/// <see cref="LinkImpairment.IsNone"/> passes straight through. Built on an <see cref="ImpairmentControl"/>, the socket
/// follows the control's changes (see there for what a change does to datagrams in flight); its receives then always go
/// through the pump, since the downlink may become impaired at any time. Over a shared-port socket
/// (<see cref="ISharedDatagramSocket"/>, which has no receive of its own) the port's loop feeds the same decisions instead
/// of a pump, and every receive goes through the queue (<see cref="ImpairedSocketFactory"/> then wraps this in an
/// <see cref="ImpairedSharedDatagramSocket"/>).
/// </summary>
public sealed class ImpairedDatagramSocket : IDatagramSocket
{
    private readonly IDatagramSocket _inner;
    private readonly ImpairmentScheduler _scheduler;
    private readonly ImpairmentControl? _control;
    private readonly int _seed;
    private readonly Lock _uplinkGate = new();
    private readonly Lock _downlinkGate = new();
    private LinkImpairer? _uplink;
    private LinkImpairer? _downlink;
    private int _appliedVersion;
    private readonly Channel<PendingDatagram> _received = Channel.CreateUnbounded<PendingDatagram>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private Task? _pump;
    private int _feeding;
    private int _disposed;

    public ImpairedDatagramSocket(IDatagramSocket inner, ImpairmentProfile profile, ImpairmentScheduler scheduler, int seed)
        : this(inner, scheduler, seed, control: null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var frequency = scheduler.Time.TimestampFrequency;
        _uplink = profile.Uplink.IsNone ? null : new LinkImpairer(profile.Uplink, seed, scheduler.Epoch, frequency);
        _downlink = profile.Downlink.IsNone ? null : new LinkImpairer(profile.Downlink, seed ^ 0x5A5A5A5, scheduler.Epoch, frequency);
    }

    public ImpairedDatagramSocket(IDatagramSocket inner, ImpairmentControl control, ImpairmentScheduler scheduler, int seed)
        : this(inner, scheduler, seed, control ?? throw new ArgumentNullException(nameof(control)))
    {
        Apply(control.Version);
    }

    private ImpairedDatagramSocket(IDatagramSocket inner, ImpairmentScheduler scheduler, int seed, ImpairmentControl? control)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(scheduler);
        _inner = inner;
        _scheduler = scheduler;
        _seed = seed;
        _control = control;
    }

    public IPEndPoint LocalEndPoint => _inner.LocalEndPoint;

    public AddressFamily AddressFamily => _inner.AddressFamily;

    public ImpairmentCounters UplinkCounters { get; } = new();

    public ImpairmentCounters DownlinkCounters { get; } = new();

    public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        FollowControl();
        if (_uplink is null)
        {
            return _inner.TrySendTo(datagram, remote);
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        var now = _scheduler.Time.GetTimestamp();
        ImpairmentVerdict verdict;
        long due;
        bool reordered;
        lock (_uplinkGate)
        {
            verdict = _uplink.Decide(now, datagram.Length, out due, out reordered);
        }

        UplinkCounters.Count(verdict, due > now, reordered);
        if (verdict != ImpairmentVerdict.Deliver)
        {
            return true; // UDP: the sender never learns about the loss
        }

        if (due <= now)
        {
            return _inner.TrySendTo(datagram, remote);
        }

        _scheduler.Schedule(_scheduler.Rent(datagram, remote, this, uplink: true), due);
        return true;
    }

    public async ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken)
    {
        var shared = _inner as ISharedDatagramSocket;
        if (_downlink is null && _control is null && shared is null)
        {
            return await _inner.ReceiveFromAsync(buffer, remote, cancellationToken);
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (shared is not null)
        {
            if (Interlocked.Exchange(ref _feeding, 1) == 0)
            {
                shared.StartReceiving((datagram, source, _) => Admit(datagram, source));
            }
        }
        else
        {
            _pump ??= Task.Run(() => PumpAsync(_stop.Token), CancellationToken.None);
        }

        PendingDatagram pending;
        try
        {
            pending = await _received.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(ImpairedDatagramSocket));
        }

        var length = Math.Min(pending.Length, buffer.Length);
        pending.Bytes[..length].CopyTo(buffer.Span);
        pending.Address.Buffer.Span[..pending.Address.Size].CopyTo(remote.Buffer.Span);
        remote.Size = pending.Address.Size;
        _scheduler.Return(pending);
        return length;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _inner.Dispose();
        _received.Writer.TryComplete();
        while (_received.Reader.TryRead(out var pending))
        {
            _scheduler.Return(pending);
        }

        try
        {
            _pump?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The pump ends with the inner socket's dispose exception; nothing to report.
        }

        _stop.Dispose();
    }

    /// <summary>Called by the scheduler when a delayed datagram is due; false when it was not taken (socket gone).</summary>
    internal bool Release(PendingDatagram pending)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (pending.Uplink)
        {
            _inner.TrySendTo(pending.Bytes, pending.Address);
            return false; // sent: the caller returns it to the pool
        }

        return _received.Writer.TryWrite(pending);
    }

    private void FollowControl()
    {
        if (_control is not null && _control.Version != Volatile.Read(ref _appliedVersion))
        {
            Apply(_control.Version);
        }
    }

    /// <summary>
    /// Builds both directions' decisions from the control's profile. A followed direction always has an impairer (a clean
    /// link decides "now", no later than the previous tail), so order is kept across a change; each version reseeds.
    /// </summary>
    private void Apply(int version)
    {
        var profile = _control!.Profile;
        var frequency = _scheduler.Time.TimestampFrequency;
        var seed = _seed + (version * 7919);
        lock (_uplinkGate)
        {
            _uplink = new LinkImpairer(profile.Uplink, seed, _scheduler.Epoch, frequency, _uplink?.LastDue ?? long.MinValue);
        }

        lock (_downlinkGate)
        {
            _downlink = new LinkImpairer(profile.Downlink, seed ^ 0x5A5A5A5, _scheduler.Epoch, frequency, _downlink?.LastDue ?? long.MinValue);
        }

        Volatile.Write(ref _appliedVersion, version);
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[ImpairmentScheduler.MaxDatagram];
        var source = new SocketAddress(AddressFamily.InterNetworkV6);
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            try
            {
                source.Size = source.Buffer.Length;
                length = await _inner.ReceiveFromAsync(buffer, source, cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                _received.Writer.TryComplete();
                return;
            }

            Admit(buffer.AsSpan(0, length), source);
        }
    }

    /// <summary>A received datagram (from the pump, or a shared port's loop): dropped, queued now, or queued when due.</summary>
    private void Admit(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        FollowControl();
        var now = _scheduler.Time.GetTimestamp();
        var verdict = ImpairmentVerdict.Deliver;
        var due = now;
        var reordered = false;
        lock (_downlinkGate)
        {
            // Null only over a shared port with a fixed clean downlink: its datagrams still come through the queue.
            if (_downlink is not null)
            {
                verdict = _downlink.Decide(now, datagram.Length, out due, out reordered);
            }
        }

        DownlinkCounters.Count(verdict, due > now, reordered);
        if (verdict != ImpairmentVerdict.Deliver)
        {
            return;
        }

        var pending = _scheduler.Rent(datagram, source, this, uplink: false);
        if (due <= now)
        {
            if (!_received.Writer.TryWrite(pending))
            {
                _scheduler.Return(pending);
            }
        }
        else
        {
            _scheduler.Schedule(pending, due);
        }
    }
}
