namespace CallBot.Rtc.Transport;

/// <summary>Datagram counts of one <see cref="DatagramTransport"/>; updated without locks.</summary>
public sealed class TransportCounters
{
    private long _received;
    private long _stun;
    private long _dtls;
    private long _rtp;
    private long _dropped;
    private long _receiveErrors;

    public long Received => Interlocked.Read(ref _received);

    public long Stun => Interlocked.Read(ref _stun);

    public long Dtls => Interlocked.Read(ref _dtls);

    public long RtpOrRtcp => Interlocked.Read(ref _rtp);

    /// <summary>Datagrams whose first byte matched no handler (or whose handler was not set).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Socket errors the receive loop survived (e.g. ICMP unreachable reported on Windows).</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    internal void OnReceived() => Interlocked.Increment(ref _received);

    internal void OnStun() => Interlocked.Increment(ref _stun);

    internal void OnDtls() => Interlocked.Increment(ref _dtls);

    internal void OnRtp() => Interlocked.Increment(ref _rtp);

    internal void OnDropped() => Interlocked.Increment(ref _dropped);

    internal void OnReceiveError() => Interlocked.Increment(ref _receiveErrors);
}
