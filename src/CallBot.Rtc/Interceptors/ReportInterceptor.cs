using CallBot.Abstractions;
using CallBot.Rtc.Rtcp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// RTCP reports (RFC 3550 §6.4) both ways. Writer: when the report is due, an SR for a stream we send (else an RR when we
/// receive) with the report block of the remote stream, then an SDES CNAME. Reader: a remote SR feeds the receive
/// stream's NTP ↔ RTP mapping and <see cref="RtpTransceiver.SenderReportReceived"/>; report blocks about our streams
/// give the RTT (LSR/DLSR, §6.4.1) and the peer's loss.
/// </summary>
/// <remarks>
/// The RTT it measures (<see cref="RtpTransceiver.RoundTripTime"/>) also sets, in the nack stage, the NACK retry spacing
/// and how long receive gaps wait for a retransmission (<see cref="NackGenerator.GapWait"/>).
/// </remarks>
internal sealed class ReportInterceptor(InterceptorContext context) : Interceptor
{
    public override string Name => InterceptorRegistry.Report;

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
            }
        }
    }
}
