using System.Net;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Dtls;

/// <summary>CallBot ↔ CallBot over real loopback UDP sockets, each side a client once, for each DTLS-SRTP profile.</summary>
public sealed class UdpLoopbackTests
{
    public static TheoryData<string> Profiles => new(SrtpProfile.All.Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Handshake_and_srtp_over_loopback_udp(string name)
    {
        var profile = SrtpProfile.All.Single(p => p.Name == name);
        var ct = TestContext.Current.CancellationToken;
        await using var serverEndpoint = new UdpDtlsEndpoint();
        await using var clientEndpoint = new UdpDtlsEndpoint(new IPEndPoint(IPAddress.Loopback, serverEndpoint.Port));
        var server = serverEndpoint.Attach(DtlsTestPeers.Options(DtlsRole.Server, [profile]));
        var client = clientEndpoint.Attach(DtlsTestPeers.Options(DtlsRole.Client, SrtpProfile.All));

        var results = await Task.WhenAll(server.HandshakeAsync(ct), client.HandshakeAsync(ct)).WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Same(profile, results[0].Profile);
        DtlsTestPeers.AssertSrtpFlowsBothWays(results[1], results[0]);
        foreach (var result in results)
        {
            result.LocalContext.Dispose();
            result.RemoteContext.Dispose();
        }
    }
}
