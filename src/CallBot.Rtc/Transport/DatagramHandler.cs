using System.Net;

namespace CallBot.Rtc.Transport;

/// <summary>
/// Receives one datagram synchronously on the socket's receive loop. The span is the pooled
/// receive buffer and is overwritten by the next datagram: copy what you keep, return quickly.
/// </summary>
public delegate void DatagramHandler(ReadOnlySpan<byte> datagram);

/// <summary>Like <see cref="DatagramHandler"/> for STUN, with the source address and the socket it arrived on.</summary>
public delegate void StunDatagramHandler(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket);
