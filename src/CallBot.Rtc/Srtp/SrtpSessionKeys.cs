namespace CallBot.Rtc.Srtp;

/// <summary>The six session keys of one crypto context (RFC 3711 §4.3.1, labels 0..5).</summary>
internal sealed class SrtpSessionKeys
{
    public SrtpSessionKeys(byte[] rtpKey, byte[] rtpSalt, byte[] rtpAuthKey, byte[] rtcpKey, byte[] rtcpSalt, byte[] rtcpAuthKey)
    {
        RtpKey = rtpKey;
        RtpSalt = rtpSalt;
        RtpAuthKey = rtpAuthKey;
        RtcpKey = rtcpKey;
        RtcpSalt = rtcpSalt;
        RtcpAuthKey = rtcpAuthKey;
    }

    public byte[] RtpKey { get; }
    public byte[] RtpSalt { get; }
    public byte[] RtpAuthKey { get; }
    public byte[] RtcpKey { get; }
    public byte[] RtcpSalt { get; }
    public byte[] RtcpAuthKey { get; }

    public static SrtpSessionKeys Derive(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        if (masterKey.Length != profile.MasterKeyLength)
        {
            throw new ArgumentException($"{profile.Name} takes a {profile.MasterKeyLength}-byte master key.", nameof(masterKey));
        }

        if (masterSalt.Length != profile.MasterSaltLength)
        {
            throw new ArgumentException($"{profile.Name} takes a {profile.MasterSaltLength}-byte master salt.", nameof(masterSalt));
        }

        return new SrtpSessionKeys(
            Make(masterKey, masterSalt, SrtpKeyDerivation.LabelRtpEncryption, profile.MasterKeyLength),
            Make(masterKey, masterSalt, SrtpKeyDerivation.LabelRtpSalt, profile.MasterSaltLength),
            Make(masterKey, masterSalt, SrtpKeyDerivation.LabelRtpAuthentication, profile.AuthKeyLength),
            Make(masterKey, masterSalt, SrtpKeyDerivation.LabelRtcpEncryption, profile.MasterKeyLength),
            Make(masterKey, masterSalt, SrtpKeyDerivation.LabelRtcpSalt, profile.MasterSaltLength),
            Make(masterKey, masterSalt, SrtpKeyDerivation.LabelRtcpAuthentication, profile.AuthKeyLength));
    }

    private static byte[] Make(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, int length)
    {
        var output = new byte[length];
        SrtpKeyDerivation.DeriveSessionKey(masterKey, masterSalt, label, output);
        return output;
    }
}
