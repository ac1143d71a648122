using CallBot.Rtc.Bwe;
using CallBot.Rtc.Media;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// REMB both ways. Writer: a <see cref="ReceiveBandwidthEstimator"/> per remote stream, updated when the report is due
/// (with the report block's fraction lost when the report stage runs, else as lossless) and capped by maxBandwidth; sent
/// when <c>goog-remb</c> was negotiated, at the report or at once when the cap changes. Reader: a REMB about our SSRCs
/// lowers the transceiver's <see cref="RtpTransceiver.TargetBitrateKbps"/>.
/// </summary>
internal sealed class RembInterceptor(InterceptorContext context) : Interceptor
{
    private static readonly string[] Feedback = [SdpRtcpFeedback.GoogRemb];

    private readonly Dictionary<MediaReceiveStream, ReceiveBandwidthEstimator> _estimators = [];

    public override string Name => InterceptorRegistry.Remb;

    public override IReadOnlyList<string> RtcpFeedback => Feedback;

    public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
    {
        _estimators[stream] = new ReceiveBandwidthEstimator(context.Time);
        return reader;
    }

    public override void UnbindRemoteStream(MediaReceiveStream stream) => _estimators.Remove(stream);

    public override void ReadRtcp(IRtcpPacket packet)
    {
        if (packet is not ReceiverEstimatedMaxBitrate remb)
        {
            return;
        }

        foreach (var ssrc in remb.Ssrcs)
        {
            if (context.Streams.TryGetLocal(ssrc, out var limited))
            {
                limited.RembKbps = (int)Math.Min(int.MaxValue, remb.Bitrate / 1000);
                limited.UpdateTargetBitrate();
            }
        }
    }

    public override void WriteRtcp(RtcpBatch batch)
    {
        if (batch.Stream is not { } stream || !_estimators.TryGetValue(stream, out var estimate))
        {
            return;
        }

        var receiver = stream.Receiver;
        var capChanged = estimate.MaxBitrateKbps != batch.MaxBandwidthKbps;
        estimate.MaxBitrateKbps = batch.MaxBandwidthKbps;
        if (batch.ReportDue)
        {
            estimate.Update(receiver.BytesReceived, batch.ReportBlock?.FractionLost ?? 0);
        }

        if (batch.Negotiated(SdpRtcpFeedback.GoogRemb) && (batch.ReportDue || capChanged) && receiver.PacketsReceived > 0)
        {
            batch.Packets.Add(new ReceiverEstimatedMaxBitrate
            {
                SenderSsrc = batch.Transceiver.Ssrc,
                Bitrate = (ulong)estimate.EstimateBitsPerSecond,
                Ssrcs = [stream.Ssrc],
            });
        }
    }

    public override void Close() => _estimators.Clear();
}
