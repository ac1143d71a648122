using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Srtp;

/// <summary>RFC 7714 §16.1.1 and §17.1: AEAD_AES_128_GCM with the session key and salt given directly.</summary>
public sealed class SrtpGcmVectorTests
{
    private static readonly byte[] Key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] Salt = Convert.FromHexString("517569642070726f2071756f");

    private static readonly byte[] PlainRtp = Convert.FromHexString(
        "8040f17b8041f8d35501a0b2" +                      // V=2, PT=64, SEQ=0xf17b, TS, SSRC 0x5501a0b2
        "47616c6c696120657374206f6d6e6973206469766973" +  // "Gallia est omnis divis"
        "6120696e207061727465732074726573");              // "a in partes tres"

    private static readonly byte[] ProtectedRtp = Convert.FromHexString(
        "8040f17b8041f8d35501a0b2" +
        "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833" +
        "899d7f27beb16a9152cf765ee4390cce");              // 16-byte tag

    private static readonly byte[] PlainRtcp = Convert.FromHexString(
        "81c8000d4d617273" +                              // SR, length 13, SSRC "Mars"
        "4e5450314e545032525450200000042a0000e9304c756e61" +
        "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef");

    private static readonly byte[] ProtectedRtcp = Convert.FromHexString(
        "81c8000d4d617273" +
        "63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275b" +
        "c84aa45896cf4d2fc5abf87245d9eade" +              // tag
        "800005d4");                                      // E=1, SRTCP index 0x5d4

    private static readonly byte[] AuthenticatedOnlyRtcp = Convert.FromHexString(
        "81c8000d4d617273" +
        "4e5450314e545032525450200000042a0000e9304c756e61" +
        "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef" +      // body in the clear
        "841dd9683dd78ec92ae58790125f62b3" +              // tag over header, body and index word
        "000005d4");                                      // E=0, SRTCP index 0x5d4

    private static SrtpSessionKeys SessionKeys() => new(Key, Salt, [], Key, Salt, []);

    [Fact]
    public void Rtp_protect_matches_16_1_1()
    {
        using var context = new SrtpContext(SrtpProfile.AeadAes128Gcm, SessionKeys(), null);
        var buffer = new byte[ProtectedRtp.Length];
        PlainRtp.CopyTo(buffer, 0);

        Assert.True(context.TryProtectRtp(buffer, PlainRtp.Length, out var length));
        Assert.Equal(Convert.ToHexString(ProtectedRtp), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Rtp_unprotect_matches_16_1_2()
    {
        using var context = new SrtpContext(SrtpProfile.AeadAes128Gcm, SessionKeys(), null);
        var buffer = (byte[])ProtectedRtp.Clone();

        Assert.True(context.TryUnprotectRtp(buffer, buffer.Length, out var length));
        Assert.Equal(Convert.ToHexString(PlainRtp), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Rtcp_protect_matches_17_1()
    {
        using var cipher = new AesGcmCipher(SessionKeys());
        var buffer = new byte[ProtectedRtcp.Length];
        PlainRtcp.CopyTo(buffer, 0);

        var length = cipher.ProtectRtcp(buffer, PlainRtcp.Length, 0x4d617273, 0x5d4);
        Assert.Equal(Convert.ToHexString(ProtectedRtcp), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Rtcp_unprotect_matches_17_1()
    {
        using var context = new SrtpContext(SrtpProfile.AeadAes128Gcm, SessionKeys(), null);
        var buffer = (byte[])ProtectedRtcp.Clone();

        Assert.True(context.TryUnprotectRtcp(buffer, buffer.Length, out var length));
        Assert.Equal(Convert.ToHexString(PlainRtcp), Convert.ToHexString(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Rtcp_with_one_flipped_tag_bit_fails_auth()
    {
        using var context = new SrtpContext(SrtpProfile.AeadAes128Gcm, SessionKeys(), null);
        var buffer = (byte[])ProtectedRtcp.Clone();
        buffer[^6] ^= 0x01;

        Assert.False(context.TryUnprotectRtcp(buffer, buffer.Length, out _, out var reason));
        Assert.Equal(SrtpDropReason.AuthFailed, reason);
        Assert.Equal(0, context.StreamCount);
    }

    [Fact]
    public void Rtcp_authenticated_but_not_encrypted_matches_17_3()
    {
        using var context = new SrtpContext(SrtpProfile.AeadAes128Gcm, SessionKeys(), null);
        var buffer = (byte[])AuthenticatedOnlyRtcp.Clone();

        Assert.True(context.TryUnprotectRtcp(buffer, buffer.Length, out var length, out var reason), reason.ToString());
        Assert.Equal(Convert.ToHexString(PlainRtcp), Convert.ToHexString(buffer.AsSpan(0, length)));

        var tampered = (byte[])AuthenticatedOnlyRtcp.Clone();
        tampered[20] ^= 0x01;
        using var fresh = new SrtpContext(SrtpProfile.AeadAes128Gcm, SessionKeys(), null);
        Assert.False(fresh.TryUnprotectRtcp(tampered, tampered.Length, out _, out reason));
        Assert.Equal(SrtpDropReason.AuthFailed, reason);
    }
}
