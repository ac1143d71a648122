using System.Net;

namespace CallBot.Rtc.Turn;

/// <summary>Receives one whole STUN or ChannelData message from the server, synchronously; the span is reused afterwards.</summary>
public delegate void TurnFrameHandler(ReadOnlySpan<byte> frame);

/// <summary>
/// The client's connection to the TURN server: a UDP socket, a TCP stream or a TLS stream. Delivers
/// whole frames to one handler on its own receive loop.
/// </summary>
internal interface ITurnTransport : IAsyncDisposable
{
    /// <summary>TCP/TLS: no retransmissions, ChannelData padded to 4 bytes (RFC 8656 §12.5).</summary>
    bool IsReliable { get; }

    IPEndPoint LocalEndPoint { get; }

    IPEndPoint ServerEndPoint { get; }

    /// <summary>Starts the receive loop. <paramref name="closed"/> runs once if the connection ends on its own.</summary>
    void Start(TurnFrameHandler received, Action<Exception?> closed);

    /// <summary>Sends one frame without blocking on I/O; false if it could not be sent or queued.</summary>
    bool TrySend(ReadOnlySpan<byte> frame);
}
