using System.Collections.Concurrent;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Tests.Payloads;
using CallBot.TestSupport.Coturn;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>
/// Two RtcPeerConnections configured the SDK's way (<c>iceServers</c> with one TURN URL, <c>iceTransportPolicy: relay</c>)
/// connect through a private coturn on loopback for each TURN transport: both selected pairs are relay ↔ relay, SRTP media
/// flows both ways, and no host (or server-reflexive) candidate is ever signaled or written into a description.
/// </summary>
public sealed class RelayOnlyPeerConnectionTests(CoturnFixture coturn) : IClassFixture<CoturnFixture>
{
    public static TheoryData<string> Transports => ["udp", "tcp", "tls"];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Relay_only_peers_connect_through_coturn_with_relay_pairs_and_media_both_ways(string transport)
    {
        var ct = TestContext.Current.CancellationToken;
        var url = transport switch
        {
            "tcp" => coturn.TcpUrl,
            "tls" => coturn.TlsUrl,
            _ => coturn.UdpUrl,
        };
        await using var offerer = PeerHarness.Create(RelayOptions(url));
        await using var answerer = PeerHarness.Create(RelayOptions(url));
        var offerAudio = offerer.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        var answerAudio = answerer.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        var signaled = new ConcurrentQueue<string>();
        offerer.LocalCandidate += (_, c) => Record(signaled, c);
        answerer.LocalCandidate += (_, c) => Record(signaled, c);
        PeerHarness.Trickle(offerer, answerer);
        PeerHarness.Trickle(answerer, offerer);
        var connected = Task.WhenAll(
            PeerHarness.WaitForStateAsync(offerer, PeerConnectionState.Connected),
            PeerHarness.WaitForStateAsync(answerer, PeerConnectionState.Connected));

        var offer = await offerer.CreateOfferAsync(ct: ct);
        await answerer.SetRemoteOfferAsync(offer, ct);
        var answer = await answerer.CreateAnswerAsync(ct);
        await offerer.SetRemoteAnswerAsync(answer, ct);
        Assert.Equal(PeerConnectionState.Connected, (await connected.WaitAsync(PeerHarness.Timeout, ct))[0]);

        foreach (var pc in new[] { offerer, answerer })
        {
            var pair = pc.GetStats().SelectedCandidatePair;
            Assert.NotNull(pair);
            Assert.Equal(IceCandidateType.Relay, pair.LocalCandidateType);
            Assert.Equal(IceCandidateType.Relay, pair.RemoteCandidateType);
        }

        // Every candidate either side signaled, and every one in either description, is a relay on coturn's range.
        Assert.True(signaled.Count >= 2, $"signaled: {string.Join(" | ", signaled)}");
        var inDescriptions = (offer + answer).Split('\n').Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal));
        foreach (var line in signaled.Concat(inDescriptions))
        {
            Assert.True(IceCandidate.TryParse(line.Trim(), out var candidate), line);
            Assert.Equal(IceCandidateType.Relay, candidate!.Type);
            Assert.Equal("127.0.0.1", candidate.Address);
            Assert.InRange(candidate.Port, coturn.MinRelayPort, coturn.MaxRelayPort);
        }

        var toAnswerer = new FrameCollector();
        var toOfferer = new FrameCollector();
        answerAudio.RemoteFrameSink = toAnswerer;
        offerAudio.RemoteFrameSink = toOfferer;
        var packets = FfmpegSamples.OpusPackets;
        const int wanted = 20;
        for (var i = 0; i < packets.Count; i++)
        {
            var frame = new EncodedFrame(CodecId.Opus, packets[i], i * 960L, 960, true);
            offerAudio.Sender.OnFrame(frame);
            answerAudio.Sender.OnFrame(frame);
        }

        await toAnswerer.WaitForAsync(wanted, PeerHarness.Timeout);
        await toOfferer.WaitForAsync(wanted, PeerHarness.Timeout);
        var sent = packets.Select(Convert.ToHexString).ToHashSet();
        Assert.All(toAnswerer.Frames, f => Assert.Contains(Convert.ToHexString(f.Data.Span), sent));
        Assert.All(toOfferer.Frames, f => Assert.Contains(Convert.ToHexString(f.Data.Span), sent));
        Assert.Equal(0, offerer.GetStats().Transport.SrtpAuthFailures);
        Assert.Equal(0, answerer.GetStats().Transport.SrtpAuthFailures);
    }

    private PeerConnectionOptions RelayOptions(string url) => new()
    {
        Ice = new IceOptions { IncludeLoopback = true, IncludeIPv6 = false, AllowLoopbackRemoteCandidates = true },
        HostAddressFilter = System.Net.IPAddress.IsLoopback,
        IceServers = [new IceServerConfig([url], coturn.Username, coturn.Password)],
        IceTransportPolicy = IceTransportPolicy.Relay,
        TurnTrustedRootCertificate = coturn.Certificate,
        DtlsHandshakeTimeout = TimeSpan.FromSeconds(10),
    };

    private static void Record(ConcurrentQueue<string> signaled, LocalIceCandidate candidate)
    {
        if (candidate.Candidate is { } text)
        {
            signaled.Enqueue(text);
        }
    }
}
