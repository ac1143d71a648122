using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Srtp;

/// <summary>
/// Whole-packet AES_CM_128_HMAC_SHA1_80 known answers: the reference packets of libsrtp's srtp_driver
/// (master key and salt of RFC 3711 B.3), which pin keystream, tag input (ROC appended) and SRTCP trailer order.
/// </summary>
public sealed class SrtpAesCmVectorTests
{
    private static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    private static readonly byte[] PlainRtp = Convert.FromHexString(
        "800f1234decafbadcafebabe" +         // V=2, PT=15, SEQ=0x1234, TS=0xdecafbad, SSRC=0xcafebabe
        "abababababababababababababababab");

    private static readonly byte[] ProtectedRtp = Convert.FromHexString(
        "800f1234decafbadcafebabe" +
        "4e55dc4ce79978d88ca4d215949d2402" + // AES-CM ciphertext
        "b78d6acc99ea179b8dbb");             // 80-bit HMAC-SHA1 tag over header || ciphertext || ROC

    private static readonly byte[] PlainRtcp = Convert.FromHexString(
        "81c8000bcafebabe" +                 // SR, SSRC 0xcafebabe
        "abababababababababababababababab");

    private static readonly byte[] ProtectedRtcp = Convert.FromHexString(
        "81c8000bcafebabe" +
        "7128035be487b9bdbef89041f977a5a8" + // ciphertext
        "80000001" +                         // E=1, SRTCP index 1
        "993e08cd54d6c1230798");             // tag over everything before it

    [Fact]
    public void Rtp_protect_matches_reference()
    {
        using var context = new SrtpContext(SrtpProfile.Aes128CmHmacSha1Tag80, MasterKey, MasterSalt);
        var buffer = new byte[ProtectedRtp.Length];
        PlainRtp.CopyTo(buffer, 0);
        Assert.True(context.TryProtectRtp(buffer, PlainRtp.Length, out var length));
        Assert.Equal(Convert.ToHexString(ProtectedRtp), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Rtp_unprotect_matches_reference()
    {
        using var context = new SrtpContext(SrtpProfile.Aes128CmHmacSha1Tag80, MasterKey, MasterSalt);
        var buffer = (byte[])ProtectedRtp.Clone();
        Assert.True(context.TryUnprotectRtp(buffer, buffer.Length, out var length));
        Assert.Equal(Convert.ToHexString(PlainRtp), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Rtcp_protect_matches_reference()
    {
        using var cipher = new AesCmHmacSha1Cipher(SrtpProfile.Aes128CmHmacSha1Tag80,
            SrtpSessionKeys.Derive(SrtpProfile.Aes128CmHmacSha1Tag80, MasterKey, MasterSalt));
        var buffer = new byte[ProtectedRtcp.Length];
        PlainRtcp.CopyTo(buffer, 0);
        var length = cipher.ProtectRtcp(buffer, PlainRtcp.Length, 0xcafebabe, 1);
        Assert.Equal(Convert.ToHexString(ProtectedRtcp), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Rtcp_unprotect_matches_reference()
    {
        using var context = new SrtpContext(SrtpProfile.Aes128CmHmacSha1Tag80, MasterKey, MasterSalt);
        var buffer = (byte[])ProtectedRtcp.Clone();
        Assert.True(context.TryUnprotectRtcp(buffer, buffer.Length, out var length));
        Assert.Equal(Convert.ToHexString(PlainRtcp), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void The_32_bit_profile_truncates_the_same_tag()
    {
        using var context = new SrtpContext(SrtpProfile.Aes128CmHmacSha1Tag32, MasterKey, MasterSalt);
        var buffer = new byte[ProtectedRtp.Length];
        PlainRtp.CopyTo(buffer, 0);
        Assert.True(context.TryProtectRtp(buffer, PlainRtp.Length, out var length));
        Assert.Equal(PlainRtp.Length + 4, length);
        Assert.Equal(Convert.ToHexString(ProtectedRtp.AsSpan(0, PlainRtp.Length + 4)), Convert.ToHexString(buffer.AsSpan(0, length)));
    }
}
