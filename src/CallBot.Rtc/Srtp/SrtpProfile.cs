using System.Diagnostics.CodeAnalysis;

namespace CallBot.Rtc.Srtp;

/// <summary>
/// One SRTP protection profile: cipher, key/salt sizes and tag sizes, with the DTLS-SRTP id
/// that names it in the use_srtp extension (RFC 5764 §4.1.2, RFC 7714 §14.2).
/// </summary>
public sealed class SrtpProfile
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2): AES-CM, 80-bit HMAC-SHA1 tag on RTP and RTCP.</summary>
    public static readonly SrtpProfile Aes128CmHmacSha1Tag80 =
        new("SRTP_AES128_CM_HMAC_SHA1_80", 0x0001, masterKeyLength: 16, masterSaltLength: 14, rtpAuthTagLength: 10, rtcpAuthTagLength: 10, authKeyLength: 20, isAead: false);

    /// <summary>SRTP_AES128_CM_HMAC_SHA1_32: 32-bit tag on RTP; SRTCP keeps the 80-bit tag (RFC 5764 §4.1.2).</summary>
    public static readonly SrtpProfile Aes128CmHmacSha1Tag32 =
        new("SRTP_AES128_CM_HMAC_SHA1_32", 0x0002, masterKeyLength: 16, masterSaltLength: 14, rtpAuthTagLength: 4, rtcpAuthTagLength: 10, authKeyLength: 20, isAead: false);

    /// <summary>SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2): 96-bit salt, 128-bit GCM tag, no separate auth key.</summary>
    public static readonly SrtpProfile AeadAes128Gcm =
        new("SRTP_AEAD_AES_128_GCM", 0x0007, masterKeyLength: 16, masterSaltLength: 12, rtpAuthTagLength: 16, rtcpAuthTagLength: 16, authKeyLength: 0, isAead: true);

    /// <summary>Every profile this stack implements, strongest first.</summary>
    public static IReadOnlyList<SrtpProfile> All { get; } = [AeadAes128Gcm, Aes128CmHmacSha1Tag80, Aes128CmHmacSha1Tag32];

    private SrtpProfile(string name, int protectionProfileId, int masterKeyLength, int masterSaltLength,
        int rtpAuthTagLength, int rtcpAuthTagLength, int authKeyLength, bool isAead)
    {
        Name = name;
        ProtectionProfileId = protectionProfileId;
        MasterKeyLength = masterKeyLength;
        MasterSaltLength = masterSaltLength;
        RtpAuthTagLength = rtpAuthTagLength;
        RtcpAuthTagLength = rtcpAuthTagLength;
        AuthKeyLength = authKeyLength;
        IsAead = isAead;
    }

    /// <summary>The IANA name, as OpenSSL and the use_srtp registry spell it.</summary>
    public string Name { get; }

    /// <summary>The two-byte SRTPProtectionProfile value of the DTLS use_srtp extension.</summary>
    public int ProtectionProfileId { get; }

    public int MasterKeyLength { get; }

    public int MasterSaltLength { get; }

    /// <summary>Bytes appended to every SRTP packet (the tag; no MKI is used).</summary>
    public int RtpAuthTagLength { get; }

    /// <summary>Tag bytes appended to every SRTCP packet, after (AES-CM) or before (GCM) the 4-byte E||index word.</summary>
    public int RtcpAuthTagLength { get; }

    /// <summary>Length of the derived HMAC-SHA1 session key; 0 for AEAD profiles.</summary>
    public int AuthKeyLength { get; }

    public bool IsAead { get; }

    /// <summary>Bytes SRTP adds to an RTP packet.</summary>
    public int RtpOverhead => RtpAuthTagLength;

    /// <summary>Bytes SRTCP adds to an RTCP packet: the tag and the 4-byte E||SRTCP index.</summary>
    public int RtcpOverhead => RtcpAuthTagLength + 4;

    /// <summary>Length of DTLS keying material to export for this profile: 2 * (key + salt) (RFC 5764 §4.2).</summary>
    public int KeyingMaterialLength => 2 * (MasterKeyLength + MasterSaltLength);

    public static bool TryFromProtectionProfileId(int protectionProfileId, [NotNullWhen(true)] out SrtpProfile? profile)
    {
        foreach (var candidate in All)
        {
            if (candidate.ProtectionProfileId == protectionProfileId)
            {
                profile = candidate;
                return true;
            }
        }

        profile = null;
        return false;
    }

    public override string ToString() => Name;
}
