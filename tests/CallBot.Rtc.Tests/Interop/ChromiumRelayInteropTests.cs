using CallBot.Rtc.Ice;
using CallBot.Rtc.Srtp;
using CallBot.TestSupport.Chromium;
using CallBot.TestSupport.Coturn;

namespace CallBot.Rtc.Tests.Interop;

/// <summary>
/// Relay-only against Chromium: <c>RTCPeerConnection({iceServers: [turn…], iceTransportPolicy: 'relay'})</c> ↔ an
/// RtcPeerConnection with <see cref="IceTransportPolicy.Relay"/>, both through a private coturn on loopback. Chromium's
/// selected pair has a relay local candidate (getStats), CallBot's selected pair is relay ↔ relay, media flows both ways.
/// Run in a network namespace with only lo.
/// </summary>
public sealed class ChromiumRelayInteropTests(ChromiumFixture chromium, CoturnFixture coturn) : IClassFixture<ChromiumFixture>, IClassFixture<CoturnFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Relay_only_Chromium_and_CallBot_connect_through_coturn_with_relay_pairs(bool chromiumOffers)
    {
        var options = new PeerConnectionOptions
        {
            IceServers = [new IceServerConfig([coturn.UdpUrl], coturn.Username, coturn.Password)],
            IceTransportPolicy = IceTransportPolicy.Relay,
            Ice = new IceOptions { AllowLoopbackRemoteCandidates = true }, // coturn relays on 127.0.0.1
            DtlsHandshakeTimeout = TimeSpan.FromSeconds(10),
        };
        var chromeConfiguration = new
        {
            iceServers = new[] { new { urls = coturn.UdpUrl, username = coturn.Username, credential = coturn.Password } },
            iceTransportPolicy = "relay",
        };
        await using var call = await ChromiumInteropTests.InteropCall.StartAsync(
            chromium, SrtpProfile.AeadAes128Gcm, options: options, chromeConfiguration: chromeConfiguration);
        if (chromiumOffers)
        {
            await call.ChromiumOffersAsync();
        }
        else
        {
            await call.CallBotOffersAsync();
        }

        await call.AssertConnectedAsync(expectedCallBotDtlsRole: chromiumOffers ? "Client" : "Server");
        await call.AssertMediaBothWaysAsync();

        var (local, remote) = await call.Chrome.SelectedPairTypesAsync();
        Assert.Equal("relay", local);
        Assert.Equal("relay", remote);
        var pair = call.CallBot.GetStats().SelectedCandidatePair;
        Assert.NotNull(pair);
        Assert.Equal(IceCandidateType.Relay, pair.LocalCandidateType);
        Assert.Equal(IceCandidateType.Relay, pair.RemoteCandidateType);
    }
}
