using System.Net;

namespace CallBot.Rtc.Transport;

/// <summary>
/// Receives one datagram synchronously on the socket's receive loop. The span is the pooled
/// receive buffer and is overwritten by the next datagram: copy what you keep, return quickly.
/// </summary>
public delegate void DatagramHandler(ReadOnlySpan<byte> datagram);

/// <summary>Like <see cref="DatagramHandler"/> for STUN, with the source address and the socket it arrived on.</summary>
public delegate void StunDatagramHandler(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket);

/// <summary>
/// Decides, on the receive loop, whether a DTLS or RTP/RTCP datagram from <paramref name="source"/> goes to its handler now
/// (true) or not (false: dropped, or kept by the callee to deliver later). Must not allocate on the accept path.
/// </summary>
public delegate bool DatagramAdmission(DatagramKind kind, ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket);

/// <summary>Receives one datagram with its source and the socket it arrived on (a receive loop's handler; same rules as <see cref="DatagramHandler"/>).</summary>
public delegate void ReceivedDatagramHandler(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket);
