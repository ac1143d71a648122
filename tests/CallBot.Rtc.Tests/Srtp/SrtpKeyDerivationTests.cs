using System.Security.Cryptography;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Srtp;

public sealed class SrtpKeyDerivationTests
{
    // RFC 3711 Appendix B.3.
    private static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    [Theory]
    [InlineData(SrtpKeyDerivation.LabelRtpEncryption, "C61E7A93744F39EE10734AFE3FF7A087")]
    [InlineData(SrtpKeyDerivation.LabelRtpSalt, "30CBBC08863D8C85D49DB34A9AE1")]
    [InlineData(SrtpKeyDerivation.LabelRtpAuthentication, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")]
    public void Rfc3711_B3_session_keys(byte label, string expected)
    {
        var output = new byte[expected.Length / 2];
        SrtpKeyDerivation.DeriveSessionKey(MasterKey, MasterSalt, label, output);
        Assert.Equal(expected, Convert.ToHexString(output));
    }

    [Fact]
    public void Rfc3711_B3_long_auth_key_is_a_keystream_prefix_extension()
    {
        // The RFC prints 94 bytes of label-1 output; its first 32 bytes are enough to show blocks chain correctly.
        var output = new byte[32];
        SrtpKeyDerivation.DeriveSessionKey(MasterKey, MasterSalt, SrtpKeyDerivation.LabelRtpAuthentication, output);
        Assert.Equal("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE", Convert.ToHexString(output));
    }

    [Fact]
    public void Rfc3711_B2_aes_cm_keystream_start_and_end()
    {
        // Session key 2B7E..., salt F0F1...FCFD, SSRC 0, index 0: the IV is the shifted salt.
        var sessionSalt = Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
        var iv = new byte[16];
        SrtpKeyDerivation.WriteAesCmIv(iv, sessionSalt, ssrc: 0, index: 0);
        Assert.Equal("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000", Convert.ToHexString(iv));

        using var aes = Aes.Create();
        aes.Key = Convert.FromHexString("2B7E151628AED2A6ABF7158809CF4F3C");
        using var ctr = new AesCounterMode(aes);
        var keystream = new byte[65282 * 16]; // the RFC's 1044512-octet segment
        ctr.Xor(iv, keystream);

        Assert.Equal("E03EAD0935C95E80E166B16DD92B4EB4" + "D23513162B02D0F72A43A2FE4A5F97AB" + "41E95B3BB0A2E8DD477901E4FCA894C0",
            Convert.ToHexString(keystream.AsSpan(0, 48)));
        Assert.Equal("EC8CDF7398607CB0F2D21675EA9EA1E4" + "362B7C3C6773516318A077D7FC5073AE" + "6A2CC3787889374FBEB4C81B17BA6C44",
            Convert.ToHexString(keystream.AsSpan(keystream.Length - 48)));
    }

    [Fact]
    public void Aes_cm_iv_places_ssrc_and_48_bit_index()
    {
        var iv = new byte[16];
        SrtpKeyDerivation.WriteAesCmIv(iv, new byte[14], ssrc: 0x01020304, index: 0x0000_5566_7788);
        Assert.Equal("00000000010203040000556677880000", Convert.ToHexString(iv));
    }

    [Fact]
    public void Rfc7714_gcm_rtp_iv()
    {
        // §16: SSRC 0x5501a0b2, ROC 0, SEQ 0xf17b, salt "Quid pro quo".
        var iv = new byte[12];
        SrtpKeyDerivation.WriteGcmRtpIv(iv, Convert.FromHexString("517569642070726f2071756f"), 0x5501a0b2, 0, 0xf17b);
        Assert.Equal("51753C6580C2726F20718414", Convert.ToHexString(iv));
    }

    [Fact]
    public void Rfc7714_gcm_rtcp_iv()
    {
        // §17: SSRC "Mars", SRTCP index 0x5d4.
        var iv = new byte[12];
        SrtpKeyDerivation.WriteGcmRtcpIv(iv, Convert.FromHexString("517569642070726f2071756f"), 0x4d617273, 0x5d4);
        Assert.Equal("517524055203726F207170BB", Convert.ToHexString(iv));
    }
}
