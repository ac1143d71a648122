using CallBot.Rtc.Dtls;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Dtls;

internal static class DtlsTestPeers
{
    // Certificate generation costs a few ms; share two identities across tests like a process would.
    public static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("client");
    public static readonly DtlsCertificate ServerCertificate = DtlsCertificate.Generate("server");

    public static DtlsSrtpOptions Options(DtlsRole role, IReadOnlyList<SrtpProfile>? profiles = null, DtlsFingerprint? expectRemote = null,
        TimeSpan? retransmit = null, TimeSpan? timeout = null, int maxDatagram = 1200, IReadOnlyDictionary<int, byte[]>? extraExtensions = null)
    {
        var local = role == DtlsRole.Client ? ClientCertificate : ServerCertificate;
        var remote = role == DtlsRole.Client ? ServerCertificate : ClientCertificate;
        return new DtlsSrtpOptions
        {
            Role = role,
            Certificate = local,
            RemoteFingerprints = [expectRemote ?? remote.Fingerprint],
            SrtpProfiles = profiles ?? [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1Tag80],
            InitialRetransmitTimeout = retransmit ?? TimeSpan.FromMilliseconds(200),
            HandshakeTimeout = timeout ?? TimeSpan.FromSeconds(20),
            MaxDatagramSize = maxDatagram,
            ExtraClientExtensions = extraExtensions,
        };
    }

    public static (DtlsSrtpTransport Client, DtlsSrtpTransport Server) Connect(DatagramLink link, DtlsSrtpOptions client, DtlsSrtpOptions server)
    {
        var a = new DtlsSrtpTransport(client, link.SendFromA);
        var b = new DtlsSrtpTransport(server, link.SendFromB);
        link.A = a;
        link.B = b;
        return (a, b);
    }

    /// <summary>Proves the two results hold matching keys: RTP and RTCP protected by one side unprotect on the other.</summary>
    public static void AssertSrtpFlowsBothWays(DtlsSrtpResult client, DtlsSrtpResult server)
    {
        AssertFlows(client.LocalContext, server.RemoteContext, 0x1111);
        AssertFlows(server.LocalContext, client.RemoteContext, 0x2222);
    }

    public static void AssertFlows(SrtpContext sender, SrtpContext receiver, uint ssrc)
    {
        for (ushort seq = 1; seq <= 3; seq++)
        {
            var packet = Srtp.SrtpContextTests.Rtp(seq, ssrc, 160);
            var plain = packet.AsSpan(0, 172).ToArray();
            Assert.True(sender.TryProtectRtp(packet, 172, out var length));
            Assert.True(receiver.TryUnprotectRtp(packet, length, out var plainLength, out var reason), reason.ToString());
            Assert.Equal(plain, packet.AsSpan(0, plainLength).ToArray());
        }

        var rtcp = new byte[64];
        rtcp[0] = 0x80;
        rtcp[1] = 201;
        rtcp[3] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rtcp.AsSpan(4), ssrc);
        Assert.True(sender.TryProtectRtcp(rtcp, 8, out var rtcpLength));
        Assert.True(receiver.TryUnprotectRtcp(rtcp, rtcpLength, out var rtcpPlain, out var rtcpReason), rtcpReason.ToString());
        Assert.Equal(8, rtcpPlain);
    }
}
