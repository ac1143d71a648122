using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Srtp;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

/// <summary>
/// The connection's timer, every 20 ms once DTLS completed, and early when a stage asks (<see cref="RunSoon"/>): per
/// transceiver, the jitter buffer's deadlines (a gap found there is reported like one found on arrival), then the media
/// stages' writer chain; the compound RTCP packet is sent after the receive lock. One tick at a time; a tick that throws
/// is logged and the timer goes on.
/// </summary>
internal sealed class RtcpTimer : IAsyncDisposable
{
    private const int RtcpBufferSize = 1500;
    /// <summary>The tick period: NACK retries and the gap wait's round slack are in its steps (<see cref="Interceptors.NackGenerator.GapWait"/>).</summary>
    internal static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(20);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _id;
    private readonly TransceiverList _transceivers;
    private readonly InterceptorChain _interceptors;
    private readonly Lock _receiveLock;
    private readonly Func<SrtpSession?> _keys;
    private readonly Action<RtpTransceiver, FrameGap> _onGap;
    private readonly CancellationToken _closing;
    private readonly byte[] _rtcpBuffer = new byte[RtcpBufferSize];
    private readonly ITimer _timer;
    private int _ticking;
    private int _wanted;
    private volatile bool _started;

    /// <param name="receiveLock">The connection's receive lock: jitter buffers and stages are read under it.</param>
    /// <param name="keys">The connection's SRTP keys (null before the handshake: the tick does nothing).</param>
    /// <param name="onGap">A loss the jitter buffer gave up on.</param>
    public RtcpTimer(TimeProvider time, ILogger logger, string id, TransceiverList transceivers, InterceptorChain interceptors,
        Lock receiveLock, Func<SrtpSession?> keys, Action<RtpTransceiver, FrameGap> onGap, CancellationToken closing)
    {
        _time = time;
        _logger = logger;
        _id = id;
        _transceivers = transceivers;
        _interceptors = interceptors;
        _receiveLock = receiveLock;
        _keys = keys;
        _onGap = onGap;
        _closing = closing;
        _timer = time.CreateTimer(static s => ((RtcpTimer)s!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Starts ticking (the keys are installed); false when the connection closed meanwhile.</summary>
    public bool Start()
    {
        try
        {
            _timer.Change(TickInterval, TickInterval);
            _started = true;
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _timer.DisposeAsync();

    /// <summary>
    /// Runs a tick as soon as a pool thread takes it, ahead of the period (the nack stage's first NACK for a new gap).
    /// Call it outside the receive lock: a fake clock runs the tick on the caller's thread.
    /// </summary>
    public void RunSoon()
    {
        if (!_started)
        {
            return;
        }

        try
        {
            _timer.Change(TimeSpan.Zero, TickInterval);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: nothing to send.
        }
    }

    private void OnTick()
    {
        // One tick at a time. A call that finds one running (an early run during a periodic tick, or the reverse) is not
        // dropped: it leaves its flag, set before it tries, and the running tick sees it after letting go and runs again,
        // so state changed before the call (a new gap) is always written.
        Volatile.Write(ref _wanted, 1);
        while (Volatile.Read(ref _wanted) == 1 && Interlocked.Exchange(ref _ticking, 1) == 0)
        {
            Volatile.Write(ref _wanted, 0);
            try
            {
                Tick();
            }
            finally
            {
                Interlocked.Exchange(ref _ticking, 0);
            }
        }
    }

    private void Tick()
    {
        try
        {
            var session = _keys();
            if (session is null || _closing.IsCancellationRequested)
            {
                return;
            }

            var maxBandwidthKbps = _transceivers.MaxBandwidthKbps;
            bool reportDue;
            lock (_receiveLock)
            {
                reportDue = _interceptors.IsReportDue();
            }

            foreach (var transceiver in _transceivers.All)
            {
                List<IRtcpPacket> packets;
                lock (_receiveLock)
                {
                    var stream = transceiver.ReceiveStream;
                    if (stream is not null)
                    {
                        stream.Receiver.Poll();
                        if (stream.TakeNewGap(out var lost, out var dropped))
                        {
                            _onGap(transceiver, new FrameGap(stream.Ssrc, lost, dropped, _time.GetTimestamp()));
                        }
                    }

                    packets = _interceptors.WriteRtcp(transceiver, stream, reportDue, maxBandwidthKbps);
                }

                // Outside the receive lock: no socket send under it. The batch is reused only by the next tick (_ticking).
                if (packets.Count > 0)
                {
                    SendRtcp(session, packets);
                }
            }
        }
#pragma warning disable CA1031 // A timer callback must never take the process down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            PeerConnectionLog.TickFailed(_logger, _id, e);
        }
    }

    /// <summary>Writes the packets as one compound RTCP packet (what fits) and sends it. Timer thread only.</summary>
    private void SendRtcp(SrtpSession session, List<IRtcpPacket> packets)
    {
        var offset = 0;
        var buffer = _rtcpBuffer.AsSpan(0, RtcpBufferSize - SrtpProfile.Aes128CmHmacSha1Tag80.RtcpOverhead - 16);
        foreach (var packet in packets)
        {
            if (!packet.TryWrite(buffer[offset..], out var written))
            {
                break;
            }

            offset += written;
        }

        if (offset > 0)
        {
            session.SendRtcp(buffer[..offset]);
        }
    }
}
