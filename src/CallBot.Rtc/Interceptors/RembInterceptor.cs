using CallBot.Rtc.Bwe;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// REMB both ways. Writer: a <see cref="ReceiveBandwidthEstimator"/> per remote stream, updated when the report is due
/// with the loss left after repair (NACK/RTX) over the report interval, and capped by maxBandwidth; sent
/// when <c>goog-remb</c> was negotiated, at the report or at once when the cap changes. Reader: a REMB about our SSRCs
/// lowers the transceiver's <see cref="RtpTransceiver.TargetBitrateKbps"/>.
/// </summary>
internal sealed class RembInterceptor(InterceptorContext context) : Interceptor
{
    private static readonly string[] Feedback = [SdpRtcpFeedback.GoogRemb];

    private readonly Dictionary<MediaReceiveStream, Estimate> _estimators = [];

    public override string Name => InterceptorRegistry.Remb;

    public override IReadOnlyList<string> RtcpFeedback => Feedback;

    public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
    {
        _estimators[stream] = new Estimate(new ReceiveBandwidthEstimator(context.Time));
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
        if (batch.Stream is not { } stream || !_estimators.TryGetValue(stream, out var state))
        {
            return;
        }

        var receiver = stream.Receiver;
        var estimate = state.Estimator;
        var capChanged = estimate.MaxBitrateKbps != batch.MaxBandwidthKbps;
        estimate.MaxBitrateKbps = batch.MaxBandwidthKbps;
        if (batch.ReportDue)
        {
            estimate.Update(receiver.BytesReceived, state.ResidualFractionLost(receiver.CumulativeLost, receiver.PacketsReceived));
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

    /// <summary>
    /// One stream's estimator and its loss after repair since the last update. Not the report block's fraction lost:
    /// that one counts the network's loss before NACK/RTX (what the sender sizes FEC by), and a receiver estimate that
    /// cut the bitrate for losses the retransmissions repaired would cap the sender on every lossy but roomy link.
    /// </summary>
    private sealed class Estimate(ReceiveBandwidthEstimator estimator)
    {
        private long _lostPrior;
        private long _receivedPrior;

        public ReceiveBandwidthEstimator Estimator { get; } = estimator;

        /// <summary>RFC 3550 fraction lost (0..255) of the packets still missing, since the previous call.</summary>
        public byte ResidualFractionLost(long cumulativeLost, long received)
        {
            var lost = cumulativeLost - _lostPrior;
            var expected = lost + (received - _receivedPrior);
            _lostPrior = cumulativeLost;
            _receivedPrior = received;
            return expected <= 0 || lost <= 0 ? (byte)0 : (byte)Math.Min(255, (lost << 8) / expected);
        }
    }
}
