using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallBot.TestSupport.ConnectyCube;

/// <summary>
/// A digest of <c>RTCPeerConnection.getStats()</c> of the SDK's peer connection to one user
/// (<c>session.peerConnections[userId].getStats()</c>): inbound/outbound RTP per kind and the selected candidate pair.
/// </summary>
public sealed record SdkPeerStats
{
    public string IceConnectionState { get; init; } = string.Empty;

    /// <summary>inbound-rtp by kind ("audio", "video").</summary>
    public IReadOnlyDictionary<string, SdkInboundRtp> Inbound { get; init; } = new Dictionary<string, SdkInboundRtp>();

    /// <summary>outbound-rtp by kind ("audio", "video").</summary>
    public IReadOnlyDictionary<string, SdkOutboundRtp> Outbound { get; init; } = new Dictionary<string, SdkOutboundRtp>();

    public SdkCandidatePair? SelectedPair { get; init; }

    public SdkInboundRtp? InboundVideo => Inbound.GetValueOrDefault(SdkMediaKind.Video);
    public SdkInboundRtp? InboundAudio => Inbound.GetValueOrDefault(SdkMediaKind.Audio);
    public SdkOutboundRtp? OutboundVideo => Outbound.GetValueOrDefault(SdkMediaKind.Video);
    public SdkOutboundRtp? OutboundAudio => Outbound.GetValueOrDefault(SdkMediaKind.Audio);

    internal static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, NumberHandling = JsonNumberHandling.AllowReadingFromString };

    public static SdkPeerStats Parse(string json) => JsonSerializer.Deserialize<SdkPeerStats>(json, Json) ?? new SdkPeerStats();
}

public sealed record SdkInboundRtp
{
    public long Ssrc { get; init; }
    public long PacketsReceived { get; init; }
    public long BytesReceived { get; init; }
    public long PacketsLost { get; init; }
    public double Jitter { get; init; }
    public long FramesDecoded { get; init; }
    public long FreezeCount { get; init; }
    /// <summary>Seconds (webrtc-stats <c>totalFreezesDuration</c>).</summary>
    public double TotalFreezesDuration { get; init; }
    public long FramesReceived { get; init; }
    public long FramesDropped { get; init; }
    public long KeyFramesDecoded { get; init; }
    public long PliCount { get; init; }
    public long NackCount { get; init; }
    public long RetransmittedPacketsReceived { get; init; }
    public long FecPacketsReceived { get; init; }
    public int FrameWidth { get; init; }
    public int FrameHeight { get; init; }
    public string? Codec { get; init; }
}

public sealed record SdkOutboundRtp
{
    public long Ssrc { get; init; }
    public long PacketsSent { get; init; }
    public long BytesSent { get; init; }
    public long FramesEncoded { get; init; }
    public long FramesSent { get; init; }
    public long RetransmittedPacketsSent { get; init; }
    public long PliCount { get; init; }
    public double TargetBitrate { get; init; }
    public string? Codec { get; init; }
}

/// <summary>The selected ICE candidate pair: candidate types ("host", "srflx", "prflx", "relay"), addresses, protocol.</summary>
public sealed record SdkCandidatePair
{
    public string? State { get; init; }
    public string? LocalType { get; init; }
    public string? LocalAddress { get; init; }
    public int LocalPort { get; init; }
    public string? RemoteType { get; init; }
    public string? RemoteAddress { get; init; }
    public int RemotePort { get; init; }
    public string? Protocol { get; init; }
    public double? CurrentRoundTripTime { get; init; }

    /// <summary>The sender's bandwidth estimate for this pair, bits per second (webrtc-stats; null before it has one).</summary>
    public double? AvailableOutgoingBitrate { get; init; }
}
