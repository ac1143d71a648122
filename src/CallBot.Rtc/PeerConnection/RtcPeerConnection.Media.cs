using CallBot.Abstractions;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Media;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Sdp;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc;

/// <summary>Receive path (SRTP → demux → jitter buffer → frames), RTCP handling, and the report/feedback timer.</summary>
public sealed partial class RtcPeerConnection
{
    private const int ReceiveBufferSize = 2048;
    private const int RtcpBufferSize = 1500;
    private const int MaxNackBatch = 64;
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan NackInterval = TimeSpan.FromMilliseconds(40);
    private static readonly TimeSpan GapWaitMargin = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxAdaptiveGapWait = TimeSpan.FromSeconds(1);

    private readonly Lock _receiveLock = new();
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferSize];
    private readonly byte[] _rtcpBuffer = new byte[RtcpBufferSize];
    private readonly List<IRtcpPacket> _outgoingRtcp = [];
    private readonly ITimer _timer;

    // Receive-loop state (under _receiveLock).
    private readonly Dictionary<uint, RtpTransceiver> _remoteSsrcs = [];
    private readonly Dictionary<uint, RtpTransceiver> _localSsrcs = [];
    private readonly Dictionary<byte, RtpTransceiver> _payloadTypes = [];
    private int _midExtensionId;
    private long _rtpDropped;
    private long _rtcpDropped;
    private long _gapWaitTicks;
    private long _rtpBeforeKeys;
    private int _ticking;
    private ReportScheduler? _reports;

    /// <summary>RTP packets dropped after SRTP (unknown stream, bad header, payload type not negotiated).</summary>
    internal long RtpDropped => Interlocked.Read(ref _rtpDropped);

    /// <summary>Rebuilds the demux tables after a negotiation (called with the signaling semaphore held).</summary>
    private void UpdateDemux(NegotiatedSession session)
    {
        lock (_receiveLock)
        {
            _payloadTypes.Clear();
            var ambiguous = new HashSet<byte>();
            _midExtensionId = 0;
            _localSsrcs.Clear();
            foreach (var transceiver in _transceivers)
            {
                _localSsrcs[transceiver.Ssrc] = transceiver;
                var media = transceiver.Negotiated;
                if (media is null || media.Rejected)
                {
                    continue;
                }

                if (_midExtensionId == 0 && media.MidExtensionId is { } midId)
                {
                    _midExtensionId = midId;
                }

                foreach (var ssrc in media.RemoteSsrcs)
                {
                    _remoteSsrcs[ssrc.Ssrc] = transceiver;
                    if (ssrc.RtxSsrc is { } rtx)
                    {
                        _remoteSsrcs[rtx] = transceiver;
                    }
                }

                foreach (var codec in media.Codecs)
                {
                    AddPayloadType(codec.PayloadType, transceiver, ambiguous);
                    if (codec.RtxPayloadType is { } rtxPt)
                    {
                        AddPayloadType(rtxPt, transceiver, ambiguous);
                    }
                }
            }

            _ = session;
        }

        void AddPayloadType(byte pt, RtpTransceiver transceiver, HashSet<byte> ambiguous)
        {
            if (ambiguous.Contains(pt))
            {
                return;
            }

            if (_payloadTypes.TryGetValue(pt, out var existing) && !ReferenceEquals(existing, transceiver))
            {
                _payloadTypes.Remove(pt);
                ambiguous.Add(pt);
                return;
            }

            _payloadTypes[pt] = transceiver;
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

        lock (_receiveLock)
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
                    HandleRtcp(buffer.AsSpan(0, rtcpLength));
                }

                return;
            }

            if (session.TryUnprotectRtp(buffer, datagram.Length, out var rtpLength, out _))
            {
                HandleRtp(buffer.AsSpan(0, rtpLength));
            }
        }
    }

    private void HandleRtp(ReadOnlySpan<byte> packet)
    {
        if (!RtpHeader.TryParse(packet, out var header, out _, out _))
        {
            Interlocked.Increment(ref _rtpDropped);
            return;
        }

        var transceiver = Demux(header, packet);
        if (transceiver is null || !transceiver.CanReceive)
        {
            Interlocked.Increment(ref _rtpDropped);
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
        var codecId = codec.Codec;
        var stream = transceiver.ReceiveStream;
        bool ok;
        if (isRtx)
        {
            if (stream is null || stream.PayloadType != codec.PayloadType)
            {
                Interlocked.Increment(ref _rtpDropped);
                return;
            }

            ok = stream.ReceiveRtx(packet, out _);
        }
        else
        {
            if (stream is null || stream.Ssrc != header.Ssrc || stream.PayloadType != header.PayloadType)
            {
                stream?.Dispose();
                stream = new MediaReceiveStream(header.Ssrc, codecId, header.PayloadType,
                    new RtpStreamReceiverOptions { ClockRate = codecId.ClockRate(), MaxGapWait = _options.MaxGapWait },
                    transceiver.FrameSink, _time, new ReceiveStreamFeedbackOptions(NackInterval, _options.KeyFrameRequestInterval));
                transceiver.ReceiveStream = stream;
                _remoteSsrcs[header.Ssrc] = transceiver;
            }

            ok = stream.Receive(packet, out _);
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

    // A separate method: a lambda in the per-packet methods would allocate its closure on every call, not only on loss.
    private void PostGap(RtpTransceiver transceiver, FrameGap gap) => Post(() => transceiver.RaiseRemoteGap(gap));

    /// <summary>By SSRC (learned or from a=ssrc), else the mid header extension (what Chrome sends), else a unique payload type.</summary>
    private RtpTransceiver? Demux(in RtpHeader header, ReadOnlySpan<byte> packet)
    {
        if (_remoteSsrcs.TryGetValue(header.Ssrc, out var known))
        {
            return known;
        }

        if (_midExtensionId > 0 && header.TryGetExtension(packet, _midExtensionId, out var mid))
        {
            foreach (var transceiver in _transceivers)
            {
                if (transceiver.MidBytes.AsSpan().SequenceEqual(mid))
                {
                    _remoteSsrcs[header.Ssrc] = transceiver;
                    return transceiver;
                }
            }
        }

        return _payloadTypes.TryGetValue(header.PayloadType, out var byPt) ? byPt : null;
    }

    private void HandleRtcp(ReadOnlySpan<byte> datagram)
    {
        var reader = new RtcpCompoundReader(datagram);
        while (reader.MoveNext())
        {
            if (!RtcpPacketParser.TryParse(reader.Current, out var packet, out _) || packet is null)
            {
                Interlocked.Increment(ref _rtcpDropped);
                continue;
            }

            switch (packet)
            {
                case SenderReport sr:
                    OnSenderReport(sr);
                    OnReportBlocks(sr.ReportBlocks);
                    break;
                case ReceiverReport rr:
                    OnReportBlocks(rr.ReportBlocks);
                    break;
                case PictureLossIndication pli:
                    OnKeyFrameRequest(pli.MediaSsrc);
                    break;
                case FullIntraRequest fir:
                    foreach (var entry in fir.Entries)
                    {
                        OnKeyFrameRequest(entry.Ssrc);
                    }

                    break;
                case GenericNack nack:
                    if (_localSsrcs.TryGetValue(nack.MediaSsrc, out var nacked))
                    {
                        nacked.SendStream.OnNack(nack);
                    }

                    break;
                case ReceiverEstimatedMaxBitrate remb:
                    foreach (var ssrc in remb.Ssrcs)
                    {
                        if (_localSsrcs.TryGetValue(ssrc, out var limited))
                        {
                            limited.RembKbps = (int)Math.Min(int.MaxValue, remb.Bitrate / 1000);
                            limited.UpdateTargetBitrate();
                        }
                    }

                    break;
            }
        }

        if (reader.Error != RtcpDropReason.None)
        {
            Interlocked.Increment(ref _rtcpDropped);
        }
    }

    private void OnSenderReport(SenderReport sr)
    {
        if (!_remoteSsrcs.TryGetValue(sr.Ssrc, out var transceiver))
        {
            return;
        }

        if (transceiver.ReceiveStream is { } stream && stream.Ssrc == sr.Ssrc)
        {
            stream.OnSenderReport(sr);
        }

        var report = new RemoteSenderReport(sr.Ssrc, sr.NtpTimestamp, sr.RtpTimestamp, sr.PacketCount, sr.OctetCount);
        Post(() => transceiver.RaiseSenderReport(report));
    }

    /// <summary>
    /// Report blocks about what we send: RTT per RFC 3550 §6.4.1 (LSR/DLSR) and the peer's loss. The RTT also sets how
    /// long our receivers wait for a retransmission before accepting a gap: 1.5 RTT + 50 ms, never below the configured
    /// MaxGapWait, at most one second — a fixed wait shorter than the RTT gives up before any NACK can be answered.
    /// </summary>
    private void OnReportBlocks(IReadOnlyList<ReportBlock> blocks)
    {
        if (blocks.Count == 0)
        {
            return;
        }

        var arrival = NtpTime.Now(_time);
        foreach (var block in blocks)
        {
            if (_localSsrcs.TryGetValue(block.Ssrc, out var transceiver) && RoundTripTime.TryCompute(block, arrival, out var rtt))
            {
                transceiver.OnRemoteReport(rtt, block.CumulativeLost, block.FractionLost);
                var wait = TimeSpan.FromTicks(Math.Min((rtt * 1.5 + GapWaitMargin).Ticks, MaxAdaptiveGapWait.Ticks));
                Interlocked.Exchange(ref _gapWaitTicks, Math.Max(wait.Ticks, _options.MaxGapWait.Ticks));
            }
        }
    }

    private void OnKeyFrameRequest(uint mediaSsrc)
    {
        if (_localSsrcs.TryGetValue(mediaSsrc, out var transceiver))
        {
            transceiver.OnKeyFrameRequestReceived();
            Post(transceiver.RaiseKeyFrameRequested);
        }
    }

    /// <summary>Timer (every 20 ms while connected): jitter-buffer deadlines, NACK, PLI, and SR/RR every RtcpInterval.</summary>
    private void OnTick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            return;
        }

        try
        {
            var session = _srtp;
            if (session is null || Volatile.Read(ref _closed) != 0)
            {
                return;
            }

            _reports ??= new ReportScheduler(_time, _options.RtcpInterval);
            var reportDue = _reports.IsDue();
            var maxBandwidthKbps = Volatile.Read(ref _maxBandwidthKbps);

            Span<ushort> missing = stackalloc ushort[MaxNackBatch];
            foreach (var transceiver in _transceivers)
            {
                _outgoingRtcp.Clear();
                ReportBlock? block = null;
                lock (_receiveLock)
                {
                    if (transceiver.ReceiveStream is { } stream)
                    {
                        if (Interlocked.Read(ref _gapWaitTicks) is > 0 and var gapWait)
                        {
                            stream.Receiver.MaxGapWait = TimeSpan.FromTicks(gapWait);
                        }

                        RunReceiveStages(transceiver, stream, reportDue, maxBandwidthKbps, missing, ref block);
                    }
                }

                if (reportDue)
                {
                    var blocks = block is { } b ? new[] { b } : [];
                    IRtcpPacket? report = transceiver.SendStream.CreateSenderReport(blocks);
                    report ??= block is not null ? new ReceiverReport { Ssrc = transceiver.Ssrc, ReportBlocks = blocks } : null;
                    if (report is not null)
                    {
                        _outgoingRtcp.Insert(0, report);
                        _outgoingRtcp.Add(new SourceDescription { Chunks = [new SdesChunk(transceiver.Ssrc, _cname)] });
                    }
                }

                if (_outgoingRtcp.Count > 0)
                {
                    SendRtcp(session, _outgoingRtcp);
                }
            }
        }
#pragma warning disable CA1031 // A timer callback must never take the process down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            PeerConnectionLog.TickFailed(_logger, _id, e);
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    /// <summary>
    /// The receive-side interceptor chain of one stream, in order: jitter-buffer deadline → NACK generator → PLI on decoder
    /// need → report block → REMB (bandwidth estimate capped by maxBandwidth; also sent at once when the cap changes).
    /// Adds what is due to <see cref="_outgoingRtcp"/>. Receive lock held.
    /// </summary>
    private void RunReceiveStages(RtpTransceiver transceiver, MediaReceiveStream stream, bool reportDue, int maxBandwidthKbps,
        Span<ushort> missing, ref ReportBlock? block)
    {
        var receiver = stream.Receiver;
        receiver.Poll();
        if (stream.TakeNewGap(out var lost, out var dropped))
        {
            PostGap(transceiver, new FrameGap(stream.Ssrc, lost, dropped, _time.GetTimestamp()));
        }

        var feedback = FeedbackFor(transceiver, stream.PayloadType);
        if (feedback.Nack && stream.Nacks.Collect(receiver, missing) is var count and > 0)
        {
            _outgoingRtcp.Add(GenericNack.FromSequenceNumbers(transceiver.Ssrc, stream.Ssrc, missing[..count]));
        }

        var forced = transceiver.KeyFrameRequestPending;
        transceiver.KeyFrameRequestPending = false;
        if (stream.Codec.Kind() == MediaKind.Video && stream.KeyFrames.ShouldRequest(receiver.PacketsReceived > 0, forced))
        {
            _outgoingRtcp.Add(new PictureLossIndication(transceiver.Ssrc, stream.Ssrc));
        }

        var capChanged = stream.Bandwidth.MaxBitrateKbps != maxBandwidthKbps;
        stream.Bandwidth.MaxBitrateKbps = maxBandwidthKbps;
        if (reportDue)
        {
            block = receiver.CreateReportBlock();
            stream.Bandwidth.Update(receiver.BytesReceived, block.Value.FractionLost);
        }

        if (feedback.Remb && (reportDue || capChanged) && receiver.PacketsReceived > 0)
        {
            _outgoingRtcp.Add(new ReceiverEstimatedMaxBitrate
            {
                SenderSsrc = transceiver.Ssrc,
                Bitrate = (ulong)stream.Bandwidth.EstimateBitsPerSecond,
                Ssrcs = [stream.Ssrc],
            });
        }
    }

    private static ReceiveCodec FeedbackFor(RtpTransceiver transceiver, byte payloadType)
    {
        foreach (var codec in transceiver.ReceiveCodecs)
        {
            if (codec.PayloadType == payloadType)
            {
                return codec;
            }
        }

        return default;
    }

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
