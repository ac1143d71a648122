using CallBot.Rtc.Diagnostics;

namespace CallBot.Rtc.Transport;

/// <summary>What <see cref="TransportCounters"/> counts.</summary>
public enum TransportCounter
{
    Received,
    Stun,
    Dtls,
    RtpOrRtcp,

    /// <summary>Datagrams whose first byte matched no handler (or whose handler was not set).</summary>
    Dropped,

    /// <summary>Socket errors the receive loop survived (e.g. ICMP unreachable reported on Windows).</summary>
    ReceiveErrors,

    /// <summary>Datagrams taken from the socket's queue by a batch receive (<c>recvmmsg</c>), not one wake-up each.</summary>
    ReceivedQueued,

    /// <summary>Batch receives that returned at least one datagram.</summary>
    QueuedReceives,

    /// <summary>Datagrams longer than a receive slot (<see cref="DatagramTransport.ReceiveBufferSize"/>), dropped.</summary>
    Truncated,
}

/// <summary>Datagram counts of one <see cref="DatagramTransport"/>: <c>transport.Counters[TransportCounter.Stun]</c>. Lock-free.</summary>
public sealed class TransportCounters : EnumCounters<TransportCounter>
{
    // Read by PeerConnectionStatsCollector and tests; they could read the indexer instead.
    public long Received => this[TransportCounter.Received];
    public long Dropped => this[TransportCounter.Dropped];
}
