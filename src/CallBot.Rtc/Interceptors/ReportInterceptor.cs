using CallBot.Abstractions;
using CallBot.Rtc.Media;
using CallBot.Rtc.Rtcp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// RTCP reports (RFC 3550 §6.4) both ways. Writer: when the report is due, an SR for a stream we send (else an RR when we
/// receive) with the report block of the remote stream, then an SDES CNAME. Reader: a remote SR feeds the receive
/// stream's NTP ↔ RTP mapping and <see cref="RtpTransceiver.SenderReportReceived"/>; report blocks about our streams
/// give the RTT (LSR/DLSR, §6.4.1) and the peer's loss.
/// </summary>
/// <remarks>
/// The RTT also sets how long receive gaps wait for a retransmission before they are accepted: 1.5 RTT + 50 ms, never
/// below the configured MaxGapWait, at most one second — a fixed wait shorter than the RTT gives up before any NACK can
/// be answered. Streams with <c>nack</c> negotiated only (<see cref="MediaReceiveStream.Nack"/>): the others (audio, as
/// Opus offers no nack; video negotiated without it) are never retransmitted and keep their short reorder wait.
/// </remarks>
internal sealed class ReportInterceptor(InterceptorContext context) : Interceptor
{
    private static readonly TimeSpan GapWaitMargin = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxAdaptiveGapWait = TimeSpan.FromSeconds(1);

    private readonly List<MediaReceiveStream> _streams = [];
    private TimeSpan? _gapWait;

    public override string Name => InterceptorRegistry.Report;

    public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
    {
        if (!stream.Nack)
        {
            return reader; // nothing retransmits its gaps: it keeps its short reorder wait (MediaReceiveStream.ReorderGapWait)
        }

        _streams.Add(stream);
        if (_gapWait is { } wait)
        {
            stream.Receiver.MaxGapWait = wait;
        }

        return reader;
    }

    public override void UnbindRemoteStream(MediaReceiveStream stream) => _streams.Remove(stream);

    public override void ReadRtcp(IRtcpPacket packet)
    {
        switch (packet)
        {
            case SenderReport sr:
                OnSenderReport(sr);
                OnReportBlocks(sr.ReportBlocks);
                break;
            case ReceiverReport rr:
                OnReportBlocks(rr.ReportBlocks);
                break;
        }
    }

    public override void WriteRtcp(RtcpBatch batch)
    {
        if (!batch.ReportDue)
        {
            return;
        }

        var transceiver = batch.Transceiver;
        if (batch.Stream is { } stream)
        {
            batch.ReportBlock = stream.Receiver.CreateReportBlock();
        }

        ReportBlock[] blocks = batch.ReportBlock is { } b ? [b] : [];
        IRtcpPacket? report = transceiver.SendStream.CreateSenderReport(blocks);
        report ??= blocks.Length > 0 ? new ReceiverReport { Ssrc = transceiver.Ssrc, ReportBlocks = blocks } : null;
        if (report is not null)
        {
            // RFC 3550 §6.1: the report first, the CNAME right after it; other stages' packets follow.
            batch.Packets.Insert(0, report);
            batch.Packets.Insert(1, new SourceDescription { Chunks = [new SdesChunk(transceiver.Ssrc, context.CName)] });
        }
    }

    public override void Close() => _streams.Clear();

    private void OnSenderReport(SenderReport sr)
    {
        if (!context.Streams.TryGetRemote(sr.Ssrc, out var transceiver))
        {
            return;
        }

        if (transceiver.ReceiveStream is { } stream && stream.Ssrc == sr.Ssrc)
        {
            stream.OnSenderReport(sr);
        }

        var report = new RemoteSenderReport(sr.Ssrc, sr.NtpTimestamp, sr.RtpTimestamp, sr.PacketCount, sr.OctetCount);
        context.Post(() => transceiver.RaiseSenderReport(report));
    }

    private void OnReportBlocks(IReadOnlyList<ReportBlock> blocks)
    {
        if (blocks.Count == 0)
        {
            return;
        }

        var arrival = NtpTime.Now(context.Time);
        foreach (var block in blocks)
        {
            if (context.Streams.TryGetLocal(block.Ssrc, out var transceiver) && RoundTripTime.TryCompute(block, arrival, out var rtt))
            {
                transceiver.OnRemoteReport(rtt, block.CumulativeLost, block.FractionLost);
                var wait = TimeSpan.FromTicks(Math.Min((rtt * 1.5 + GapWaitMargin).Ticks, MaxAdaptiveGapWait.Ticks));
                SetGapWait(wait > context.Options.MaxGapWait ? wait : context.Options.MaxGapWait);
            }
        }
    }

    private void SetGapWait(TimeSpan wait)
    {
        _gapWait = wait;
        foreach (var stream in _streams)
        {
            stream.Receiver.MaxGapWait = wait;
        }
    }
}
