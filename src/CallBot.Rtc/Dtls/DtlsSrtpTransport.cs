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

    private readonly DtlsSrtpOptions _options;
    private readonly ILogger _logger;
    private readonly DtlsDatagramTransport _datagrams;
    private readonly DtlsPeerState _state;
    private readonly TlsPeer _peer;
    private readonly TaskCompletionSource<DtlsSrtpResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _pumpGate = new();
    private readonly byte[] _pumpBuffer = new byte[DtlsDatagramTransport.ReceiveLimit];
    private Thread? _handshakeThread;
    private DtlsTransport? _established;
    private int _started;
    private int _pumpScheduled;
    private int _closedRaised;
    private volatile bool _disposed;
    private volatile bool _peerClosed;

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

        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _datagrams = new DtlsDatagramTransport(send, options.MaxDatagramSize, options.ReceiveQueueCapacity);
        var crypto = new BcTlsCrypto(new SecureRandom());
        _state = new DtlsPeerState(options, crypto) { AlertReceived = OnAlert };
        _peer = options.Role == DtlsRole.Client
            ? new DtlsSrtpClient(_state, crypto) { ExtraExtensions = options.ExtraClientExtensions }
            : new DtlsSrtpServer(_state, crypto);
    }

    /// <summary>Raised once when an established association ends (close_notify, fatal alert or read failure). Not raised after <see cref="DisposeAsync"/>.</summary>
    public event EventHandler<DtlsClosedEventArgs>? Closed;

    public DtlsRole Role => _options.Role;

    public DtlsFingerprint LocalFingerprint => _options.Certificate.Fingerprint;

    public bool IsConnected => _established is not null && !_peerClosed && !_disposed;

    /// <summary>For tests: the handshake thread, which must end when the handshake does.</summary>
    internal Thread? HandshakeThread => _handshakeThread;

    /// <summary>Datagrams dropped: queue full, empty or oversized, or arriving after close.</summary>
    public long DroppedDatagrams => _datagrams.Dropped;

    /// <summary>Future-epoch datagrams that arrived before the peer's ChangeCipherSpec and were held for it.</summary>
    public long DatagramsHeldForEpoch => _datagrams.HeldForEpoch;

    /// <summary>The first retransmission timeout the handshake used (or will use).</summary>
    public TimeSpan InitialRetransmitTimeout => _state.InitialRetransmitTimeout;

    /// <summary>2 × <paramref name="roundTripTime"/>, within <see cref="MinInitialRetransmitTimeout"/>..<see cref="MaxInitialRetransmitTimeout"/>.</summary>
    public static TimeSpan InitialRetransmitTimeoutFor(TimeSpan roundTripTime) =>
        TimeSpan.FromTicks(Math.Clamp(roundTripTime.Ticks * 2, MinInitialRetransmitTimeout.Ticks, MaxInitialRetransmitTimeout.Ticks));

    /// <summary>Hands one received DTLS datagram to the association. Copies it; never blocks; safe from any thread.</summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram)
    {
        if (_disposed || !_datagrams.Enqueue(datagram))
        {
            return;
        }

        if (_established is not null)
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            if (roundTripTime is { } rtt)
            {
                _state.InitialRetransmitTimeout = InitialRetransmitTimeoutFor(rtt);
            }

            _handshakeThread = new Thread(RunHandshake, HandshakeThreadStackSize)
            {
                IsBackground = true,
                Name = $"dtls-handshake-{_options.Role}",
            };
            _handshakeThread.Start();
            _ = WatchAsync(cancellationToken);
        }

        return _completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _peer.Cancel();
        lock (_pumpGate)
        {
            if (_established is not null && !_peerClosed)
            {
                try
                {
                    _established.Close(); // sends close_notify (datagrams.Close below flushes it)
                }
                catch (IOException)
                {
                    // The peer may already be gone; nothing more to do.
                }
            }
        }

        _datagrams.Close();
        if (_handshakeThread is not null)
        {
            // The closed transport throws into the blocked read, so the thread ends promptly.
            await Task.WhenAny(_completion.Task, Task.Delay(_options.HandshakeTimeout)).ConfigureAwait(false);
        }

        _state.ClearSecrets();
    }

    // Bounds the handshake even if BouncyCastle's own timer never fires (e.g. a peer trickling garbage), and honours cancellation.
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var budget = _options.HandshakeTimeout + TimeSpan.FromSeconds(1);
        try
        {
            await _completion.Task.WaitAsync(budget, cancellationToken).ConfigureAwait(false);
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
        if (_established is null)
        {
            _peer.Cancel();
            _datagrams.Close();
        }
    }

    private void RunHandshake()
    {
        var stopwatch = Stopwatch.StartNew();
        DtlsLog.HandshakeStarting(_logger, _options.Role);
        try
        {
            var transport = _options.Role == DtlsRole.Client
                ? new DtlsClientProtocol().Connect((TlsClient)_peer, _datagrams)
                : new DtlsServerProtocol().Accept((TlsServer)_peer, _datagrams);

            _datagrams.Flush(); // the server's last flight is not followed by a read
            var profile = _state.SelectedProfile!;
            var (local, remote) = DtlsSrtpKeys.CreateContexts(_state.KeyingMaterial!, profile, _options.Role, _options.SrtpContextOptions);
            _state.ClearSecrets();
            var result = new DtlsSrtpResult(_options.Role, profile, local, remote, _state.MatchedFingerprint!,
                _state.ExtendedMasterSecret, _state.CipherSuiteNumber) { HandshakeDuration = stopwatch.Elapsed };
            DtlsLog.HandshakeCompleted(_logger, _options.Role, profile.Name, _state.CipherSuiteNumber, _state.ExtendedMasterSecret, stopwatch.ElapsedMilliseconds);

            _established = transport;
            if (_disposed)
            {
                transport.Close();
            }
            else if (_datagrams.Pending > 0)
            {
                SchedulePump();
            }

            if (!_completion.TrySetResult(result))
            {
                local.Dispose();
                remote.Dispose();
            }
        }
        catch (Exception exception)
        {
            _datagrams.Flush(); // the alert BouncyCastle wrote before throwing
            var failure = Classify(exception);
            if (failure is DtlsFingerprintMismatchException mismatch)
            {
                DtlsLog.FingerprintMismatch(_logger, mismatch.Actual?.ToString() ?? "(none)");
            }
            else
            {
                DtlsLog.HandshakeFailed(_logger, _options.Role, failure.Failure, exception);
            }

            _completion.TrySetException(failure);
        }
    }

    private DtlsHandshakeException Classify(Exception exception)
    {
        if (_state.MismatchedFingerprint is { } actual)
        {
            return new DtlsFingerprintMismatchException(actual, exception);
        }

        if (_disposed)
        {
            return new DtlsHandshakeException(DtlsFailure.Closed, "DTLS transport disposed during the handshake.", exception);
        }

        return exception switch
        {
            TlsTimeoutException => new DtlsHandshakeException(DtlsFailure.Timeout, "DTLS handshake timed out.", exception),
            DtlsTransportClosedException => new DtlsHandshakeException(DtlsFailure.Timeout, "DTLS handshake aborted (timeout or cancellation).", exception),
            TlsFatalAlertReceived received => new DtlsHandshakeException(DtlsFailure.AlertReceived,
                $"Peer sent fatal alert {AlertDescription.GetText(received.AlertDescription)}.", exception),
            TlsFatalAlert { AlertDescription: AlertDescription.handshake_failure or AlertDescription.illegal_parameter } when _state.SelectedProfile is null =>
                new DtlsHandshakeException(DtlsFailure.NoSrtpProfile, "No usable SRTP protection profile.", exception),
            _ => new DtlsHandshakeException(DtlsFailure.ProtocolError, $"DTLS handshake failed: {exception.Message}", exception),
        };
    }

    private void SchedulePump()
    {
        if (Interlocked.CompareExchange(ref _pumpScheduled, 1, 0) == 0)
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
            while (ended is null && _datagrams.Pending > 0 && !_disposed && !_peerClosed)
            {
                lock (_pumpGate)
                {
                    if (_disposed || _established is null)
                    {
                        break;
                    }

                    try
                    {
                        // Application data is not used by WebRTC media (no data channels here); it is read and dropped.
                        _established.Receive(_pumpBuffer, 0, _pumpBuffer.Length, PostHandshakeWaitMillis);
                        _datagrams.Flush(); // a last flight retransmitted in answer to the peer's
                        if (_peerClosed)
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
                        ended = _peerClosed
                            ? new DtlsClosedEventArgs(true, AlertDescription.close_notify, "close_notify received")
                            : new DtlsClosedEventArgs(false, null, exception.Message);
                    }
                }
            }

            if (ended is not null)
            {
                _peerClosed = true;
                RaiseClosed(ended);
                return;
            }

            Volatile.Write(ref _pumpScheduled, 0);
            if (_datagrams.Pending == 0 || _disposed || _peerClosed || Interlocked.CompareExchange(ref _pumpScheduled, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private void OnAlert(short level, short description)
    {
        DtlsLog.AlertReceived(_logger, level, description);
        if (description == AlertDescription.close_notify)
        {
            _peerClosed = true;
        }
    }

    private void RaiseClosed(DtlsClosedEventArgs args)
    {
        if (_disposed || Interlocked.Exchange(ref _closedRaised, 1) != 0)
        {
            return;
        }

        DtlsLog.Closed(_logger, args.ByPeer, args.AlertDescription, args.Reason);
        Closed?.Invoke(this, args);
    }
}
