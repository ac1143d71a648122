using CallBot.Rtc.Dtls;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Dtls;

public sealed class DtlsSrtpKeysTests
{
    [Fact]
    public void Split_follows_rfc5764_layout_for_aes_cm()
    {
        // 60 bytes: client key 00..0F, server key 10..1F, client salt 20..2D, server salt 2E..3B.
        var material = Enumerable.Range(0, 60).Select(i => (byte)i).ToArray();
        DtlsSrtpKeys.Split(material, SrtpProfile.Aes128CmHmacSha1Tag80, out var clientKey, out var clientSalt, out var serverKey, out var serverSalt);
        Assert.Equal(material[..16], clientKey);
        Assert.Equal(material[16..32], serverKey);
        Assert.Equal(material[32..46], clientSalt);
        Assert.Equal(material[46..60], serverSalt);
    }

    [Fact]
    public void Split_follows_rfc5764_layout_for_gcm()
    {
        var material = Enumerable.Range(0, 56).Select(i => (byte)i).ToArray();
        DtlsSrtpKeys.Split(material, SrtpProfile.AeadAes128Gcm, out var clientKey, out var clientSalt, out var serverKey, out var serverSalt);
        Assert.Equal(material[..16], clientKey);
        Assert.Equal(material[16..32], serverKey);
        Assert.Equal(material[32..44], clientSalt);
        Assert.Equal(material[44..56], serverSalt);
    }

    [Fact]
    public void Wrong_length_is_refused() =>
        Assert.Throws<ArgumentException>(() => DtlsSrtpKeys.Split(new byte[59], SrtpProfile.Aes128CmHmacSha1Tag80, out _, out _, out _, out _));

    [Fact]
    public void Client_local_context_is_server_remote_context()
    {
        var material = Enumerable.Range(0, 60).Select(i => (byte)(i * 3)).ToArray();
        var (clientLocal, clientRemote) = DtlsSrtpKeys.CreateContexts(material, SrtpProfile.Aes128CmHmacSha1Tag80, DtlsRole.Client);
        var (serverLocal, serverRemote) = DtlsSrtpKeys.CreateContexts(material, SrtpProfile.Aes128CmHmacSha1Tag80, DtlsRole.Server);
        using (clientLocal)
        using (clientRemote)
        using (serverLocal)
        using (serverRemote)
        {
            DtlsTestPeers.AssertFlows(clientLocal, serverRemote, 1);
            DtlsTestPeers.AssertFlows(serverLocal, clientRemote, 2);

            // ...and the directions really use different keys.
            var packet = Srtp.SrtpContextTests.Rtp(9, 3, 100);
            Assert.True(clientLocal.TryProtectRtp(packet, 112, out var length));
            Assert.False(clientRemote.TryUnprotectRtp(packet, length, out _));
        }
    }
}
