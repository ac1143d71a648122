using System.Diagnostics;
using CallBot.Rtc.Srtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace CallBot.Rtc.Dtls;

/// <summary>
/// One DTLS-SRTP association (RFC 5764) over a datagram path the caller owns (the ICE transport).
/// Feed it every DTLS datagram (first byte 20..63, RFC 7983) with <see cref="OnDatagram"/>; it sends through
/// the delegate given at construction. <see cref="HandshakeAsync"/> runs BouncyCastle's blocking handshake on a
/// dedicated thread that exits when the handshake ends, and returns the two SRTP contexts. After that, the few
/// DTLS datagrams that still arrive (a retransmitted final flight, close_notify, alerts) are processed on the
/// thread pool; the end of the association is reported through <see cref="Closed"/>.
/// </summary>
public sealed class DtlsSrtpTransport : IAsyncDisposable
{
    private const int PostHandshakeWaitMillis = 1;
    private const int HandshakeThreadStackSize = 256 * 1024;

    private readonly DtlsSrtpOptions options;
    private readonly ILogger logger;
    private readonly DtlsDatagramTransport datagrams;
    private readonly DtlsPeerState state;
    private readonly TlsPeer peer;
    private readonly TaskCompletionSource<DtlsSrtpResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock pumpGate = new();
    private readonly byte[] pumpBuffer = new byte[DtlsDatagramTransport.ReceiveLimit];
    private Thread? handshakeThread;
    private DtlsTransport? established;
    private int started;
    private int pumpScheduled;
    private int closedRaised;
    private volatile bool disposed;
    private volatile bool peerClosed;

    /// <summary>Lower bound of an RTT-derived first retransmission timeout (libwebrtc's kMinHandshakeTimeout).</summary>
    public static readonly TimeSpan MinInitialRetransmitTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>Upper bound of an RTT-derived first retransmission timeout (libwebrtc's kMaxHandshakeTimeout).</summary>
    public static readonly TimeSpan MaxInitialRetransmitTimeout = TimeSpan.FromSeconds(3);

    public DtlsSrtpTransport(DtlsSrtpOptions options, Action<ReadOnlySpan<byte>> send, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(send);
        if (options.SrtpProfiles.Count == 0)
        {
            throw new ArgumentException("At least one SRTP profile is needed.", nameof(options));
        }

        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        datagrams = new DtlsDatagramTransport(send, options.MaxDatagramSize, options.ReceiveQueueCapacity);
        var crypto = new BcTlsCrypto(new SecureRandom());
        state = new DtlsPeerState(options, crypto) { AlertReceived = OnAlert };
        peer = options.Role == DtlsRole.Client
            ? new DtlsSrtpClient(state, crypto) { ExtraExtensions = options.ExtraClientExtensions }
            : new DtlsSrtpServer(state, crypto);
    }

    /// <summary>Raised once when an established association ends (close_notify, fatal alert or read failure). Not raised after <see cref="DisposeAsync"/>.</summary>
    public event EventHandler<DtlsClosedEventArgs>? Closed;

    public DtlsRole Role => options.Role;

    public DtlsFingerprint LocalFingerprint => options.Certificate.Fingerprint;

    public bool IsConnected => established is not null && !peerClosed && !disposed;

    /// <summary>For tests: the handshake thread, which must end when the handshake does.</summary>
    internal Thread? HandshakeThread => handshakeThread;

    /// <summary>Datagrams dropped: queue full, empty or oversized, or arriving after close.</summary>
    public long DroppedDatagrams => datagrams.Dropped;

    /// <summary>Future-epoch datagrams that arrived before the peer's ChangeCipherSpec and were held for it.</summary>
    public long DatagramsHeldForEpoch => datagrams.HeldForEpoch;

    /// <summary>The first retransmission timeout the handshake used (or will use).</summary>
    public TimeSpan InitialRetransmitTimeout => state.InitialRetransmitTimeout;

    /// <summary>2 × <paramref name="roundTripTime"/>, within <see cref="MinInitialRetransmitTimeout"/>..<see cref="MaxInitialRetransmitTimeout"/>.</summary>
    public static TimeSpan InitialRetransmitTimeoutFor(TimeSpan roundTripTime) =>
        TimeSpan.FromTicks(Math.Clamp(roundTripTime.Ticks * 2, MinInitialRetransmitTimeout.Ticks, MaxInitialRetransmitTimeout.Ticks));

    /// <summary>Hands one received DTLS datagram to the association. Copies it; never blocks; safe from any thread.</summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram)
    {
        if (disposed || !datagrams.Enqueue(datagram))
        {
            return;
        }

        if (established is not null)
        {
            SchedulePump();
        }
    }

    /// <summary>Runs the handshake once; later calls return the same task. Fails with <see cref="DtlsHandshakeException"/>
    /// (<see cref="DtlsFingerprintMismatchException"/> for a certificate that is not the SDP one) or on cancellation.</summary>
    public Task<DtlsSrtpResult> HandshakeAsync(CancellationToken cancellationToken = default) => HandshakeAsync(null, cancellationToken);

    /// <summary>
    /// Runs the handshake once, its first retransmission timeout derived from the path's <paramref name="roundTripTime"/>
    /// (the ICE checks' measurement) as libwebrtc does: 2 × RTT within <see cref="MinInitialRetransmitTimeout"/>..
    /// <see cref="MaxInitialRetransmitTimeout"/>. Without a measurement, <see cref="DtlsSrtpOptions.InitialRetransmitTimeout"/>.
    /// A fixed 1 s timer makes every lost flight on an 80 ms path cost twelve round trips; doubling from 2 × RTT recovers
    /// in a few, and still backs off to BouncyCastle's 60 s cap on a dead path.
    /// </summary>
    public Task<DtlsSrtpResult> HandshakeAsync(TimeSpan? roundTripTime, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Interlocked.Exchange(ref started, 1) == 0)
        {
            if (roundTripTime is { } rtt)
            {
                state.InitialRetransmitTimeout = InitialRetransmitTimeoutFor(rtt);
            }

            handshakeThread = new Thread(RunHandshake, HandshakeThreadStackSize)
            {
                IsBackground = true,
                Name = $"dtls-handshake-{options.Role}",
            };
            handshakeThread.Start();
            _ = WatchAsync(cancellationToken);
        }

        return completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        peer.Cancel();
        lock (pumpGate)
        {
            if (established is not null && !peerClosed)
            {
                try
                {
                    established.Close(); // sends close_notify (datagrams.Close below flushes it)
                }
                catch (IOException)
                {
                    // The peer may already be gone; nothing more to do.
                }
            }
        }

        datagrams.Close();
        if (handshakeThread is not null)
        {
            // The closed transport throws into the blocked read, so the thread ends promptly.
            await Task.WhenAny(completion.Task, Task.Delay(options.HandshakeTimeout)).ConfigureAwait(false);
        }

        state.ClearSecrets();
    }

    // Bounds the handshake even if BouncyCastle's own timer never fires (e.g. a peer trickling garbage), and honours cancellation.
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var budget = options.HandshakeTimeout + TimeSpan.FromSeconds(1);
        try
        {
            await completion.Task.WaitAsync(budget, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort();
        }
        catch (OperationCanceledException)
        {
            Abort();
        }
        catch (DtlsHandshakeException)
        {
            // Reported by RunHandshake.
        }
    }

    private void Abort()
    {
        if (established is null)
        {
            peer.Cancel();
            datagrams.Close();
        }
    }

    private void RunHandshake()
    {
        var stopwatch = Stopwatch.StartNew();
        DtlsLog.HandshakeStarting(logger, options.Role);
        try
        {
            var transport = options.Role == DtlsRole.Client
                ? new DtlsClientProtocol().Connect((TlsClient)peer, datagrams)
                : new DtlsServerProtocol().Accept((TlsServer)peer, datagrams);

            datagrams.Flush(); // the server's last flight is not followed by a read
            var profile = state.SelectedProfile!;
            var (local, remote) = DtlsSrtpKeys.CreateContexts(state.KeyingMaterial!, profile, options.Role, options.SrtpContextOptions);
            state.ClearSecrets();
            var result = new DtlsSrtpResult(options.Role, profile, local, remote, state.MatchedFingerprint!,
                state.ExtendedMasterSecret, state.CipherSuiteNumber) { HandshakeDuration = stopwatch.Elapsed };
            DtlsLog.HandshakeCompleted(logger, options.Role, profile.Name, state.CipherSuiteNumber, state.ExtendedMasterSecret, stopwatch.ElapsedMilliseconds);

            established = transport;
            if (disposed)
            {
                transport.Close();
            }
            else if (datagrams.Pending > 0)
            {
                SchedulePump();
            }

            if (!completion.TrySetResult(result))
            {
                local.Dispose();
                remote.Dispose();
            }
        }
        catch (Exception exception)
        {
            datagrams.Flush(); // the alert BouncyCastle wrote before throwing
            var failure = Classify(exception);
            if (failure is DtlsFingerprintMismatchException mismatch)
            {
                DtlsLog.FingerprintMismatch(logger, mismatch.Actual?.ToString() ?? "(none)");
            }
            else
            {
                DtlsLog.HandshakeFailed(logger, options.Role, failure.Failure, exception);
            }

            completion.TrySetException(failure);
        }
    }

    private DtlsHandshakeException Classify(Exception exception)
    {
        if (state.MismatchedFingerprint is { } actual)
        {
            return new DtlsFingerprintMismatchException(actual, exception);
        }

        if (disposed)
        {
            return new DtlsHandshakeException(DtlsFailure.Closed, "DTLS transport disposed during the handshake.", exception);
        }

        return exception switch
        {
            TlsTimeoutException => new DtlsHandshakeException(DtlsFailure.Timeout, "DTLS handshake timed out.", exception),
            DtlsTransportClosedException => new DtlsHandshakeException(DtlsFailure.Timeout, "DTLS handshake aborted (timeout or cancellation).", exception),
            TlsFatalAlertReceived received => new DtlsHandshakeException(DtlsFailure.AlertReceived,
                $"Peer sent fatal alert {AlertDescription.GetText(received.AlertDescription)}.", exception),
            TlsFatalAlert { AlertDescription: AlertDescription.handshake_failure or AlertDescription.illegal_parameter } when state.SelectedProfile is null =>
                new DtlsHandshakeException(DtlsFailure.NoSrtpProfile, "No usable SRTP protection profile.", exception),
            _ => new DtlsHandshakeException(DtlsFailure.ProtocolError, $"DTLS handshake failed: {exception.Message}", exception),
        };
    }

    private void SchedulePump()
    {
        if (Interlocked.CompareExchange(ref pumpScheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Pump(), this, preferLocal: false);
        }
    }

    // Feeds post-handshake datagrams to BouncyCastle so it can answer a retransmitted final flight and notice
    // close_notify/alerts. Reads only while datagrams are queued, so it never parks a pool thread.
    private void Pump()
    {
        while (true)
        {
            DtlsClosedEventArgs? ended = null;
            while (ended is null && datagrams.Pending > 0 && !disposed && !peerClosed)
            {
                lock (pumpGate)
                {
                    if (disposed || established is null)
                    {
                        break;
                    }

                    try
                    {
                        // Application data is not used by WebRTC media (no data channels here); it is read and dropped.
                        established.Receive(pumpBuffer, 0, pumpBuffer.Length, PostHandshakeWaitMillis);
                        datagrams.Flush(); // a last flight retransmitted in answer to the peer's
                        if (peerClosed)
                        {
                            ended = new DtlsClosedEventArgs(true, AlertDescription.close_notify, "close_notify received");
                        }
                    }
                    catch (TlsFatalAlertReceived alert)
                    {
                        ended = new DtlsClosedEventArgs(true, alert.AlertDescription, $"fatal alert {AlertDescription.GetText(alert.AlertDescription)}");
                    }
                    catch (Exception exception) when (exception is IOException or TlsException or InvalidOperationException)
                    {
                        // BouncyCastle closes the transport itself after close_notify, so the read that follows fails.
                        ended = peerClosed
                            ? new DtlsClosedEventArgs(true, AlertDescription.close_notify, "close_notify received")
                            : new DtlsClosedEventArgs(false, null, exception.Message);
                    }
                }
            }

            if (ended is not null)
            {
                peerClosed = true;
                RaiseClosed(ended);
                return;
            }

            Volatile.Write(ref pumpScheduled, 0);
            if (datagrams.Pending == 0 || disposed || peerClosed || Interlocked.CompareExchange(ref pumpScheduled, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private void OnAlert(short level, short description)
    {
        DtlsLog.AlertReceived(logger, level, description);
        if (description == AlertDescription.close_notify)
        {
            peerClosed = true;
        }
    }

    private void RaiseClosed(DtlsClosedEventArgs args)
    {
        if (disposed || Interlocked.Exchange(ref closedRaised, 1) != 0)
        {
            return;
        }

        DtlsLog.Closed(logger, args.ByPeer, args.AlertDescription, args.Reason);
        Closed?.Invoke(this, args);
    }
}
