using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;

namespace CallBot.Rtc.Turn;

/// <summary>
/// TURN over TCP or TLS (RFC 8656 §3.1): STUN and ChannelData messages back to back on one stream,
/// split by <see cref="TurnStreamFraming"/>. Sends are copied into pooled buffers and written by one
/// writer task, so callers never block on the stream and no lock is held across I/O.
/// </summary>
internal sealed class TurnStreamTransport : ITurnTransport
{
    private const int SendQueueCapacity = 512;
    private const int ReadChunk = 4096;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly Channel<(byte[] Buffer, int Length)> _sendQueue =
        Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(SendQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    private readonly CancellationTokenSource _stop = new();
    private readonly TurnCounters _counters;
    private int _disposed;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;

    private TurnStreamTransport(Socket socket, Stream stream, IPEndPoint server, TurnCounters counters)
    {
        _socket = socket;
        _stream = stream;
        ServerEndPoint = server;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _counters = counters;
    }

    public bool IsReliable => true;

    public IPEndPoint LocalEndPoint { get; }

    public IPEndPoint ServerEndPoint { get; }

    /// <summary>Connects (and for TLS authenticates the server: chain and name, optionally against one extra trusted root).</summary>
    public static async Task<TurnStreamTransport> ConnectAsync(
        IPEndPoint server,
        string host,
        bool tls,
        X509Certificate2? trustedRoot,
        TurnCounters counters,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                var options = new SslClientAuthenticationOptions { TargetHost = host };
                if (trustedRoot is not null)
                {
                    var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
                    policy.CustomTrustStore.Add(trustedRoot);
                    options.CertificateChainPolicy = policy;
                }

                await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            }

            return new TurnStreamTransport(socket, stream, server, counters);
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    public void Start(TurnFrameHandler received, Action<Exception?> closed)
    {
        _readLoop = Task.Run(() => ReadLoopAsync(received, closed, _stop.Token));
        _writeLoop = Task.Run(() => WriteLoopAsync(closed, _stop.Token));
    }

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buffer);
        if (_sendQueue.Writer.TryWrite((buffer, frame.Length)))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        // The client may dispose a transport from an abandoned allocation attempt and from its own DisposeAsync.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sendQueue.Writer.TryComplete();

        // Let queued frames (e.g. the Refresh with LIFETIME 0) leave before the socket closes.
        await Task.WhenAny(_writeLoop, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        while (_sendQueue.Reader.TryRead(out var item))
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }

        _stop.Dispose();
    }

    private async Task WriteLoopAsync(Action<Exception?> closed, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (buffer, length) in _sendQueue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            closed(ex);
        }
        catch (IOException)
        {
        }
    }

    private async Task ReadLoopAsync(TurnFrameHandler received, Action<Exception?> closed, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(TurnStreamFraming.MaxFrameSize + ReadChunk);
        var filled = 0;
        Exception? failure = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(filled, Math.Min(ReadChunk, buffer.Length - filled)), cancellationToken)
                    .ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                filled += read;
                var consumed = 0;
                while (true)
                {
                    var result = TurnStreamFraming.TryGetFrameSize(buffer.AsSpan(consumed, filled - consumed), out var frameSize);
                    if (result == TurnStreamFraming.Result.NeedMore)
                    {
                        break;
                    }

                    if (result == TurnStreamFraming.Result.Invalid)
                    {
                        _counters.Drops.Count(TurnDropReason.NotStunOrChannelData);
                        throw new InvalidDataException("TURN stream lost framing");
                    }

                    received(buffer.AsSpan(consumed, frameSize));
                    consumed += frameSize;
                }

                if (consumed > 0)
                {
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
#pragma warning disable CA1031 // Any read failure ends this connection; the client is told why.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            closed(failure);
        }
    }
}
