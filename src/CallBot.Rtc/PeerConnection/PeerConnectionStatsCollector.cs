using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc;

/// <summary>
/// Assembles <see cref="PeerConnectionStats"/> from the parts that keep the counts (states, ICE agent, DTLS, SRTP,
/// media stages, each transceiver's streams) without stopping the media paths: counters are read lock-free, a receive
/// stream only under the receive lock, one transceiver at a time.
/// </summary>
internal sealed class PeerConnectionStatsCollector(
    TimeProvider time,
    PeerConnectionStates states,
    PeerTransport transport,
    TransceiverList transceivers,
    InterceptorChain interceptors,
    Lock receiveLock)
{
    /// <param name="srtp">The connection's keys, null before the handshake.</param>
    /// <param name="rtpDropped">RTP packets the receive path dropped after SRTP.</param>
    public PeerConnectionStats Collect(SrtpSession? srtp, long rtpDropped)
    {
        var (state, iceState, dtlsPhase) = states.Snapshot();
        var ice = transport.Ice;
        var dtls = transport.Dtls;
        var remoteDrops = srtp?.RemoteDrops;
        long authFailed = remoteDrops?[SrtpDropReason.AuthFailed] ?? 0;
        long replayed = (remoteDrops?[SrtpDropReason.Replayed] ?? 0) + (remoteDrops?[SrtpDropReason.TooOld] ?? 0);
        long otherDrops = (remoteDrops?.Total ?? 0) - authFailed - replayed;
        var transportStats = new TransportStats(
            DtlsState: dtlsPhase.ToString().ToLowerInvariant(),
            DtlsRole: dtls?.Role.ToString(),
            SrtpCipher: srtp?.Profile.Name,
            DtlsCipherSuite: srtp?.CipherSuite,
            DatagramsReceived: ice?.TransportCounters.Received ?? 0,
            GarbageDatagrams: ice?.TransportCounters.Dropped ?? 0,
            StunIntegrityFailures: ice?.Counters.IntegrityFailures ?? 0,
            StunMalformed: ice?.Counters.StunMalformed ?? 0,
            SrtpAuthFailures: authFailed,
            SrtpReplayed: replayed,
            SrtpOtherDrops: otherDrops,
            RtpDropped: rtpDropped,
            RtcpDropped: interceptors.RtcpDropped,
            RtpSent: srtp?.RtpSent ?? 0,
            RtcpSent: srtp?.RtcpSent ?? 0,
            SendDroppedNoPair: ice?.Counters.SendDroppedNoPair ?? 0,
            DtlsHandshakeDuration: transport.HandshakeDuration,
            IceRoundTripTime: ice?.RoundTripTime,
            DtlsDatagramsHeldForEpoch: dtls?.DatagramsHeldForEpoch ?? 0,
            UnverifiedSourceDatagrams: (ice?.Counters.DatagramsFromUnverifiedSource ?? 0) + (ice?.Counters.EarlyDtlsDropped ?? 0),
            RemoteCandidatesRefused: (ice?.Counters.RemoteCandidatesRefused ?? 0) + (ice?.Counters.CandidatePairsRefused ?? 0),
            UnauthenticatedRequestsNotAnswered: ice?.Counters.UnauthenticatedRequestsNotAnswered ?? 0,
            StunQueueFull: ice?.Counters.StunQueueFull ?? 0);

        CandidatePairStats? pair = null;
        if (ice?.SelectedPair is { } selected)
        {
            pair = new CandidatePairStats(selected.LocalType, selected.RemoteType, selected.LocalEndPoint.ToString(),
                selected.RemoteEndPoint.ToString(), selected.Generation);
        }

        var inbound = new List<InboundRtpStreamStats>();
        var outbound = new List<OutboundRtpStreamStats>();
        foreach (var transceiver in transceivers.All)
        {
            if (Inbound(transceiver) is { } received)
            {
                inbound.Add(received);
            }

            outbound.Add(Outbound(transceiver));
        }

        return new PeerConnectionStats(time.GetUtcNow(), state, iceState, transportStats, pair, inbound, outbound);
    }

    private InboundRtpStreamStats? Inbound(RtpTransceiver transceiver)
    {
        lock (receiveLock)
        {
            if (transceiver.ReceiveStream is not { } stream)
            {
                return null;
            }

            var receiver = stream.Receiver;
            var assembler = stream.Assembler;
            return new InboundRtpStreamStats(stream.Ssrc, transceiver.Mid, transceiver.Kind, stream.Codec,
                receiver.PacketsReceived, receiver.BytesReceived, Math.Max(0, receiver.CumulativeLost), receiver.Jitter,
                stream.FramesDelivered, assembler.KeyFrames, assembler.FramesDropped, stream.NacksSent, stream.PlisSent,
                stream.FecPacketsReceived, stream.FecPacketsRecovered, stream.FecPacketsDiscarded);
        }
    }

    private static OutboundRtpStreamStats Outbound(RtpTransceiver transceiver)
    {
        var send = transceiver.SendStream;
        var counters = send.ReadCounters();
        var (suppressed, overBudget) = send.ReadNackRefusals();
        return new OutboundRtpStreamStats(send.Ssrc, transceiver.Mid, transceiver.Kind, send.Codec,
            counters.PacketsSent, counters.PayloadBytesSent, counters.FramesSent, send.FramesDropped, counters.Retransmissions,
            send.NacksReceived, transceiver.KeyFrameRequestsReceived, transceiver.TargetBitrateKbps,
            transceiver.RoundTripTime, transceiver.RemotePacketsLost, transceiver.RemoteFractionLost, suppressed, overBudget,
            send.FecPacketsSent, send.FecBytesSent);
    }
}
