using CallBot.Abstractions;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc;

/// <summary>GetStats: a snapshot read without stopping the media paths.</summary>
public sealed partial class RtcPeerConnection
{
    public PeerConnectionStats GetStats()
    {
        PeerConnectionState state;
        Ice.IceConnectionState iceState;
        DtlsPhase dtlsPhase;
        lock (_stateLock)
        {
            state = _state;
            iceState = _iceState;
            dtlsPhase = _dtlsPhase;
        }

        var srtp = _srtp;
        var ice = _ice;
        var remoteDrops = srtp?.RemoteDrops;
        long authFailed = remoteDrops?[SrtpDropReason.AuthFailed] ?? 0;
        long replayed = (remoteDrops?[SrtpDropReason.Replayed] ?? 0) + (remoteDrops?[SrtpDropReason.TooOld] ?? 0);
        long otherDrops = (remoteDrops?.Total ?? 0) - authFailed - replayed;
        var transport = new TransportStats(
            DtlsState: dtlsPhase.ToString().ToLowerInvariant(),
            DtlsRole: _dtls?.Role.ToString(),
            SrtpCipher: srtp?.Profile.Name,
            DtlsCipherSuite: srtp?.CipherSuite,
            DatagramsReceived: ice?.TransportCounters.Received ?? 0,
            GarbageDatagrams: ice?.TransportCounters.Dropped ?? 0,
            StunIntegrityFailures: ice?.Counters.IntegrityFailures ?? 0,
            StunMalformed: ice?.Counters.StunMalformed ?? 0,
            SrtpAuthFailures: authFailed,
            SrtpReplayed: replayed,
            SrtpOtherDrops: otherDrops,
            RtpDropped: Interlocked.Read(ref _rtpDropped),
            RtcpDropped: _interceptors.RtcpDropped,
            RtpSent: srtp?.RtpSent ?? 0,
            RtcpSent: srtp?.RtcpSent ?? 0,
            SendDroppedNoPair: ice?.Counters.SendDroppedNoPair ?? 0,
            DtlsHandshakeDuration: _dtlsHandshakeDuration,
            IceRoundTripTime: ice?.RoundTripTime,
            DtlsDatagramsHeldForEpoch: _dtls?.DatagramsHeldForEpoch ?? 0,
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
        foreach (var transceiver in _transceivers)
        {
            lock (_receiveLock)
            {
                if (transceiver.ReceiveStream is { } stream)
                {
                    var receiver = stream.Receiver;
                    var assembler = stream.Assembler;
                    inbound.Add(new InboundRtpStreamStats(stream.Ssrc, transceiver.Mid, transceiver.Kind, stream.Codec,
                        receiver.PacketsReceived, receiver.BytesReceived, Math.Max(0, receiver.CumulativeLost), receiver.Jitter,
                        stream.FramesDelivered, assembler.KeyFrames, assembler.FramesDropped, stream.NacksSent, stream.PlisSent,
                        stream.FecPacketsReceived, stream.FecPacketsRecovered, stream.FecPacketsDiscarded));
                }
            }

            var send = transceiver.SendStream;
            var counters = send.ReadCounters();
            var (suppressed, overBudget) = send.ReadNackRefusals();
            outbound.Add(new OutboundRtpStreamStats(send.Ssrc, transceiver.Mid, transceiver.Kind, send.Codec,
                counters.PacketsSent, counters.PayloadBytesSent, counters.FramesSent, send.FramesDropped, counters.Retransmissions,
                send.NacksReceived, transceiver.KeyFrameRequestsReceived, transceiver.TargetBitrateKbps,
                transceiver.RoundTripTime, transceiver.RemotePacketsLost, transceiver.RemoteFractionLost, suppressed, overBudget,
                send.FecPacketsSent, send.FecBytesSent));
        }

        return new PeerConnectionStats(_time.GetUtcNow(), state, iceState, transport, pair, inbound, outbound);
    }
}
