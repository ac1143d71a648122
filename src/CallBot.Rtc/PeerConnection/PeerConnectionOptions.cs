using System.Net;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Srtp;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc;

/// <summary>One ICE server as the ConnectyCube SDK / W3C RTCIceServer describe it.</summary>
public sealed record IceServerConfig(IReadOnlyList<string> Urls, string? Username = null, string? Credential = null);

/// <summary>Settings of one <see cref="RtcPeerConnection"/>.</summary>
public sealed class PeerConnectionOptions
{
    /// <summary>
    /// ICE timing and gathering settings used as a template (the role is set per connection from who offers).
    /// </summary>
    public IceOptions Ice { get; init; } = new();

    /// <summary>ICE servers (SDK shape). <c>stun:host:port</c> entries with an IP literal or a resolvable name become STUN servers.</summary>
    public IReadOnlyList<IceServerConfig> IceServers { get; init; } = [];

    /// <summary>Use only relay candidates. Not supported yet (there is no TURN client): currently ignored.</summary>
    public bool RelayOnly { get; init; }

    /// <summary>SRTP profiles offered (DTLS client) or accepted (DTLS server), most preferred first.</summary>
    public IReadOnlyList<SrtpProfile> SrtpProfiles { get; init; } = [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1Tag80];

    /// <summary>DTLS handshake timeout.</summary>
    public TimeSpan DtlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Video codecs we offer/accept, most preferred first.</summary>
    public IReadOnlyList<CodecId> VideoCodecs { get; init; } = [CodecId.Vp8, CodecId.H264];

    /// <summary>Largest RTP packet we write (before the SRTP tag).</summary>
    public int Mtu { get; init; } = 1200;

    /// <summary>Host candidate filter (null = all addresses ICE would use).</summary>
    public Func<IPAddress, bool>? HostAddressFilter { get; init; }

    /// <summary>The CNAME written into SDP and RTCP SDES (random when null).</summary>
    public string? CName { get; init; }

    /// <summary>How long a receive gap waits for a NACK retransmission before it is accepted.</summary>
    public TimeSpan MaxGapWait { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Interval of RTCP reports (SR for sending streams, RR for receiving ones).</summary>
    public TimeSpan RtcpInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a PLI is repeated while a video receive stream still waits for its first keyframe.</summary>
    public TimeSpan KeyFrameRequestInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Sockets to use (tests: <see cref="InMemoryNetwork"/>); null = real UDP.</summary>
    public IDatagramSocketFactory? SocketFactory { get; init; }
}
