using System.Net;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>
/// Issue 16 row 5: DTLS and SRTP take datagrams only from addresses that passed a STUN check. A third host that learned
/// the ports (they are in the SDP) sprays DTLS fatal alerts and garbage records at both peers from before the
/// handshake until it is done; the call still connects, and every sprayed datagram is counted as unverified.
/// </summary>
public sealed class OffPathInjectionTests
{
    private static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress AddressB = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress Attacker = IPAddress.Parse("10.0.0.66");

    /// <summary>DTLS 1.2 alert record, epoch 0: fatal (2) handshake_failure (40).</summary>
    private static byte[] FatalAlert(byte sequence) => [21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, sequence, 0, 2, 2, 40];

    [Fact]
    public async Task Alerts_and_garbage_from_a_third_address_do_not_abort_the_handshake()
    {
        var network = new InMemoryNetwork();
        await using var a = Create(network.AddHost(AddressA));
        await using var b = Create(network.AddHost(AddressB));
        using var attacker = network.AddHost(Attacker).Bind(new IPEndPoint(Attacker, 0));
        a.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        b.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var sprayed = 0;
        void Spray(LocalIceCandidate c)
        {
            // Each port is hit as soon as it is signaled: before either side has a DTLS association, and again later.
            if (c.Candidate is not null && IceCandidate.TryParse(c.Candidate, out var parsed) && parsed!.TryGetEndPoint() is { } target)
            {
                var to = target.Serialize();
                for (byte i = 0; i < 20; i++)
                {
                    attacker.TrySendTo(FatalAlert(i), to);
                    attacker.TrySendTo([22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, i, 0, 1, 1], to); // a truncated "ClientHello"
                    Interlocked.Add(ref sprayed, 2);
                }
            }
        }

        a.LocalCandidate += (_, c) => Spray(c);
        b.LocalCandidate += (_, c) => Spray(c);
        PeerHarness.Trickle(a, b);
        PeerHarness.Trickle(b, a);
        var connectedA = PeerHarness.WaitForStateAsync(a, PeerConnectionState.Connected, PeerConnectionState.Failed);
        var connectedB = PeerHarness.WaitForStateAsync(b, PeerConnectionState.Connected, PeerConnectionState.Failed);
        await PeerHarness.NegotiateAsync(a, b);

        Assert.Equal(PeerConnectionState.Connected, await connectedA);
        Assert.Equal(PeerConnectionState.Connected, await connectedB);
        await network.WhenIdleAsync().WaitAsync(PeerHarness.Timeout, TestContext.Current.CancellationToken);
        Assert.True(sprayed >= 80, $"sprayed {sprayed}");
        Assert.Equal(sprayed, a.IceAgent!.Counters.DatagramsFromUnverifiedSource + b.IceAgent!.Counters.DatagramsFromUnverifiedSource);
    }

    [Fact]
    public async Task Srtp_from_a_third_address_never_reaches_srtp()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        await peers.SendFrameAndWaitAsync();
        var before = peers.B.GetStats().Transport;
        var unverifiedBefore = peers.B.IceAgent!.Counters.DatagramsFromUnverifiedSource;
        for (var i = 0; i < 100; i++)
        {
            peers.Inject([0x80, 96, 0, (byte)i, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        }

        await peers.SendFrameAndWaitAsync();
        var after = peers.B.GetStats().Transport;
        Assert.Equal(100, peers.B.IceAgent.Counters.DatagramsFromUnverifiedSource - unverifiedBefore);
        Assert.Equal(before.SrtpAuthFailures, after.SrtpAuthFailures); // no HMAC spent on them
        Assert.Equal(PeerConnectionState.Connected, peers.B.ConnectionState);
    }

    private static RtcPeerConnection Create(IDatagramSocketFactory sockets) => new(
        new PeerConnectionOptions { Ice = new IceOptions { IncludeIPv6 = false, AllowPrivateRemoteCandidates = true }, SocketFactory = sockets },
        PeerHarness.Certificate, TimeProvider.System, NullLoggerFactory.Instance);
}
