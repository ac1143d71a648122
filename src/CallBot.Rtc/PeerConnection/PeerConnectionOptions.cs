using System.Net;
using System.Security.Cryptography.X509Certificates;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Srtp;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc;

/// <summary>One ICE server as the ConnectyCube SDK / W3C RTCIceServer describe it. ToString never shows the credential.</summary>
public sealed record IceServerConfig(IReadOnlyList<string> Urls, string? Username = null, string? Credential = null)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Urls = [").AppendJoin(", ", Urls).Append("], Username = ").Append(Username)
            .Append(", Credential = ").Append(Credential is null ? "null" : "***");
        return true;
    }
}

/// <summary>Settings of one <see cref="RtcPeerConnection"/>.</summary>
public sealed class PeerConnectionOptions
{
    /// <summary>
    /// ICE timing and gathering settings used as a template (the role is set per connection from who offers).
    /// </summary>
    public IceOptions Ice { get; init; } = new();

    /// <summary>
    /// ICE servers exactly as the SDK's / W3C <c>iceServers</c>: <c>stun:host[:port]</c> become STUN servers,
    /// <c>turn:host[:port][?transport=udp|tcp]</c> and <c>turns:host[:port][?transport=tcp]</c> TURN servers (with the entry's
    /// username and credential). Checked when the connection is constructed (<see cref="IceServerSettings.Validate"/>).
    /// </summary>
    public IReadOnlyList<IceServerConfig> IceServers { get; init; } = [];

    /// <summary><see cref="Ice.IceTransportPolicy.Relay"/>: gather, signal and pair only TURN relay candidates (the SDK's <c>alwaysRelayCalls</c>).</summary>
    public IceTransportPolicy IceTransportPolicy { get; init; } = IceTransportPolicy.All;

    /// <summary>Same as <see cref="IceTransportPolicy"/> = <see cref="Ice.IceTransportPolicy.Relay"/>.</summary>
    public bool RelayOnly
    {
        get => IceTransportPolicy == IceTransportPolicy.Relay;
        init => IceTransportPolicy = value ? IceTransportPolicy.Relay : IceTransportPolicy.All;
    }

    /// <summary>Extra root certificate trusted for <c>turns:</c> servers (private CAs, tests). Chain and host name are always validated.</summary>
    public X509Certificate2? TurnTrustedRootCertificate { get; init; }

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

    /// <summary>
    /// The least time a receive gap waits for a NACK retransmission before it is accepted: the nack stage waits
    /// <see cref="Interceptors.NackGenerator.GapWait"/> of the round trip (four NACK rounds, ≤ 1 s) when that is longer.
    /// Streams without nack wait <see cref="Media.MediaReceiveStream.ReorderGapWait"/>.
    /// </summary>
    public TimeSpan MaxGapWait { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How long sent video packets stay available for NACK retransmission (at most 1024 of them).</summary>
    public TimeSpan NackHistoryRetention { get; init; } = Rtp.RtpPacketHistory.DefaultRetention;

    /// <summary>Interval of RTCP reports (SR for sending streams, RR for receiving ones).</summary>
    public TimeSpan RtcpInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a PLI is repeated while a video receive stream still waits for its first keyframe.</summary>
    public TimeSpan KeyFrameRequestInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The media stages this connection runs (names from <c>Interceptors/InterceptorRegistry</c>: nack, keyframe, report,
    /// remb, transport-cc, pacer, stats); always run in the registry's order. A stage left out also drops its rtcp-fb from our SDP.
    /// Checked when the connection is constructed. Default: every stage but the pacer (opt-in, see <c>InterceptorRegistry.DefaultNames</c>).
    /// </summary>
    public IReadOnlyList<string> Interceptors { get; init; } = Rtc.Interceptors.InterceptorRegistry.DefaultNames;

    /// <summary>Every media stage name <see cref="Interceptors"/> accepts, in chain order (for configuration and its validation).</summary>
    public static IReadOnlyList<string> MediaStages => Rtc.Interceptors.InterceptorRegistry.Names;

    /// <summary>The default of <see cref="Interceptors"/>: every stage but <c>transport-cc</c> and <c>pacer</c>.</summary>
    public static IReadOnlyList<string> DefaultMediaStages => Rtc.Interceptors.InterceptorRegistry.DefaultNames;

    /// <summary>The transport-cc stage: feedback interval and the send-side estimator (validated when the connection is constructed).</summary>
    public Bwe.TransportCcOptions TransportCc { get; init; } = new();

    /// <summary>Sockets to use (tests: <see cref="InMemoryNetwork"/>); null = real UDP.</summary>
    public IDatagramSocketFactory? SocketFactory { get; init; }
}
