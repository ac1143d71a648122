using CallBot.Rtc.Ice;

namespace CallBot.Rtc;

/// <summary>A W3C-shaped snapshot (RTCStatsReport basics) of one connection.</summary>
public sealed record PeerConnectionStats(
    DateTimeOffset Timestamp,
    PeerConnectionState ConnectionState,
    IceConnectionState IceConnectionState,
    TransportStats Transport,
    CandidatePairStats? SelectedCandidatePair,
    IReadOnlyList<InboundRtpStreamStats> Inbound,
    IReadOnlyList<OutboundRtpStreamStats> Outbound);

/// <summary>RTCTransportStats plus drop counters: garbage and forged packets are counted here, never thrown.</summary>
public sealed record TransportStats(
    string DtlsState,
    string? DtlsRole,
    string? SrtpCipher,
    int? DtlsCipherSuite,
    long DatagramsReceived,
    long GarbageDatagrams,
    long StunIntegrityFailures,
    long StunMalformed,
    long SrtpAuthFailures,
    long SrtpReplayed,
    long SrtpOtherDrops,
    long RtpDropped,
    long RtcpDropped,
    long RtpSent,
    long RtcpSent,
    long SendDroppedNoPair,
    TimeSpan? DtlsHandshakeDuration = null,
    TimeSpan? IceRoundTripTime = null,
    long DtlsDatagramsHeldForEpoch = 0,
    long UnverifiedSourceDatagrams = 0,
    long RemoteCandidatesRefused = 0,
    long UnauthenticatedRequestsNotAnswered = 0,
    long StunQueueFull = 0);

/// <summary>RTCIceCandidatePairStats of the selected pair.</summary>
public sealed record CandidatePairStats(
    IceCandidateType LocalCandidateType,
    IceCandidateType RemoteCandidateType,
    string LocalAddress,
    string RemoteAddress,
    int Generation);

/// <summary>RTCInboundRtpStreamStats basics.</summary>
public sealed record InboundRtpStreamStats(
    uint Ssrc,
    string? Mid,
    MediaKind Kind,
    CodecId Codec,
    long PacketsReceived,
    long BytesReceived,
    long PacketsLost,
    uint Jitter,
    long FramesReceived,
    long KeyFramesReceived,
    long FramesDropped,
    long NackCount,
    long PliCount,
    long FecPacketsReceived = 0,
    long FecPacketsRecovered = 0,
    long FecPacketsDiscarded = 0);

/// <summary>RTCOutboundRtpStreamStats basics.</summary>
public sealed record OutboundRtpStreamStats(
    uint Ssrc,
    string? Mid,
    MediaKind Kind,
    CodecId? Codec,
    long PacketsSent,
    long BytesSent,
    long FramesSent,
    long FramesDropped,
    long RetransmittedPackets,
    long NackCount,
    long PliCount,
    int TargetBitrateKbps,
    TimeSpan? RoundTripTime = null,
    long RemotePacketsLost = 0,
    double RemoteFractionLost = 0,
    long NackResendsSuppressed = 0,
    long NackResendsOverBudget = 0,
    long FecPacketsSent = 0,
    long FecBytesSent = 0);
