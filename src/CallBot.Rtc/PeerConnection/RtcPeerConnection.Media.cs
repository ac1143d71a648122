using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Sdp;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc;

/// <summary>
/// Receive path (SRTP → demux → the stream's reader chain → jitter buffer → frames); the 20 ms timer is
/// <see cref="RtcpTimer"/>. Everything the media stages decide (NACK, PLI/FIR, reports, REMB, feedback stats) is in
/// <see cref="InterceptorChain"/>: see Interceptors/README.md.
/// </summary>
public sealed partial class RtcPeerConnection
{
    private const int ReceiveBufferSize = 2048;

    // The receive part: the loop's buffers, the demux tables, the stages; all under _receiveLock.
    private readonly Lock _receiveLock = new();
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferSize];
    private readonly RtpDemux _demux = new();
    private readonly InterceptorChain _interceptors;

    /// <summary>The media stages of this connection (tests and benchmarks read a stage's state through it).</summary>
    internal InterceptorChain Interceptors => _interceptors;
    private long _rtpDropped;
    private long _rtpBeforeKeys;
    private bool _earlyRtcp; // under _receiveLock

    /// <summary>RTP packets dropped after SRTP (unknown stream, bad header, payload type not negotiated).</summary>
    internal long RtpDropped => Interlocked.Read(ref _rtpDropped);

    /// <summary>Rebuilds the demux tables after a negotiation and binds the sending streams that got a codec (signaling semaphore held).</summary>
    private void UpdateDemux()
    {
        lock (_receiveLock)
        {
            var transceivers = _transceivers.All;
            _demux.Update(transceivers);
            foreach (var transceiver in transceivers)
            {
                if (transceiver.SendStream.Codec is not null)
                {
                    _interceptors.BindLocalStream(transceiver);
                }
            }
        }
    }

    /// <summary>Receive loop: every datagram with first byte 128..191 (RTP or RTCP, rtcp-mux).</summary>
    internal void OnRtpDatagram(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < RtpHeader.FixedSize || datagram.Length > ReceiveBufferSize)
        {
            Interlocked.Increment(ref _rtpDropped);
            return;
        }

        bool early;
        lock (_receiveLock)
        {
            ReceiveLocked(datagram);
            early = _earlyRtcp;
            _earlyRtcp = false;
        }

        // A stage asked for the writer chain now (the first NACK for a gap this packet revealed): after the lock, as the
        // tick takes it itself and sends on the socket.
        if (early)
        {
            _rtcp.RunSoon();
        }
    }

    /// <summary><see cref="InterceptorContext.RequestRtcp"/>: receive lock held.</summary>
    private void RequestEarlyRtcp() => _earlyRtcp = true;

    private void ReceiveLocked(ReadOnlySpan<byte> datagram)
    {
        var session = _srtp;
        if (session is null)
        {
            Interlocked.Increment(ref _rtpBeforeKeys);
            return;
        }

        var buffer = _receiveBuffer;
        datagram.CopyTo(buffer);

        // RFC 5761 §4: with rtcp-mux, a second byte of 192..223 is an RTCP packet type.
        if (datagram[1] is >= 192 and <= 223)
        {
            if (session.TryUnprotectRtcp(buffer, datagram.Length, out var rtcpLength, out _))
            {
                _interceptors.ReadRtcp(buffer.AsSpan(0, rtcpLength));
            }

            return;
        }

        if (session.TryUnprotectRtp(buffer, datagram.Length, out var rtpLength, out _))
        {
            HandleRtp(buffer.AsSpan(0, rtpLength));
        }
    }

    private void HandleRtp(Span<byte> packet)
    {
        if (!RtpHeader.TryParse(packet, out var header, out _, out _))
        {
            Interlocked.Increment(ref _rtpDropped);
            return;
        }

        var transceiver = _demux.Find(header, packet, _transceivers.All);
        if (transceiver is null || !transceiver.CanReceive)
        {
            Interlocked.Increment(ref _rtpDropped);
            return;
        }

        // A stage's own format (RED) becomes the packet it carries, in place, before the payload-type lookup.
        if (_interceptors.UnwrapRtp(transceiver, ref packet)
            && (packet.IsEmpty || !RtpHeader.TryParse(packet, out header, out _, out _)))
        {
            return;
        }

        var codecs = transceiver.ReceiveCodecs;
        var found = -1;
        var isRtx = false;
        for (var i = 0; i < codecs.Length; i++)
        {
            if (codecs[i].PayloadType == header.PayloadType)
            {
                found = i;
                break;
            }

            if (codecs[i].RtxPayloadType == header.PayloadType)
            {
                found = i;
                isRtx = true;
                break;
            }
        }

        if (found < 0)
        {
            Interlocked.Increment(ref _rtpDropped);
            return;
        }

        var codec = codecs[found];
        var stream = transceiver.ReceiveStream;
        bool ok;
        if (isRtx)
        {
            if (stream is null || stream.PayloadType != codec.PayloadType)
            {
                Interlocked.Increment(ref _rtpDropped);
                return;
            }

            _interceptors.ReadRtx(transceiver, stream, packet);
            ok = stream.ReceiveRtx(packet, out _);
        }
        else
        {
            if (stream is null || stream.Ssrc != header.Ssrc || stream.PayloadType != header.PayloadType)
            {
                stream = StartReceiveStream(transceiver, header, codec);
            }

            ok = stream.Reader(packet, out _);
        }

        if (!ok)
        {
            Interlocked.Increment(ref _rtpDropped);
        }

        if (stream.TakeNewGap(out var missing, out var dropped))
        {
            PostGap(transceiver, new FrameGap(stream.Ssrc, missing, dropped, _time.GetTimestamp()));
        }
    }

    /// <summary>A new remote SSRC (or payload type) on the transceiver: the old stream is unbound and replaced.</summary>
    private MediaReceiveStream StartReceiveStream(RtpTransceiver transceiver, in RtpHeader header, ReceiveCodec codec)
    {
        if (transceiver.ReceiveStream is { } old)
        {
            _interceptors.UnbindRemoteStream(old);
            old.Dispose();
        }

        // The gap wait follows the negotiated feedback, not the media kind: no nack, nothing to wait for.
        var stream = new MediaReceiveStream(header.Ssrc, codec.Codec, header.PayloadType, codec.HasFeedback(SdpRtcpFeedback.Nack), _options.MaxGapWait,
            transceiver.FrameSink, _time);
        transceiver.ReceiveStream = stream;
        _demux.Learn(header.Ssrc, transceiver);
        _interceptors.BindRemoteStream(transceiver, stream);
        return stream;
    }

    // A separate method: a lambda in the per-packet methods would allocate its closure on every call, not only on loss.
    private void PostGap(RtpTransceiver transceiver, FrameGap gap) => Post(() => transceiver.RaiseRemoteGap(gap));
}
