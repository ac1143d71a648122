using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CallBot.Rtc.Srtp;

/// <summary>AES_CM_128 encryption with HMAC-SHA1 authentication (RFC 3711 §4.1.1, §4.2.1).</summary>
internal sealed class AesCmHmacSha1Cipher : SrtpCipher
{
    private const int Sha1Length = 20;
    private const int RocLength = 4;

    private readonly int rtpTagLength;
    private readonly int rtcpTagLength;
    private readonly Aes rtpAes;
    private readonly Aes rtcpAes;
    private readonly AesCounterMode rtpCtr;
    private readonly AesCounterMode rtcpCtr;
    private readonly IncrementalHash rtpHmac;
    private readonly IncrementalHash rtcpHmac;
    private readonly byte[] rtpSalt;
    private readonly byte[] rtcpSalt;
    private readonly byte[] mac = new byte[Sha1Length];
    private readonly byte[] iv = new byte[SrtpKeyDerivation.BlockSize];
    private readonly byte[] roc = new byte[RocLength];

    public AesCmHmacSha1Cipher(SrtpProfile profile, SrtpSessionKeys keys)
    {
        rtpTagLength = profile.RtpAuthTagLength;
        rtcpTagLength = profile.RtcpAuthTagLength;
        rtpAes = Aes.Create();
        rtpAes.Key = keys.RtpKey;
        rtcpAes = Aes.Create();
        rtcpAes.Key = keys.RtcpKey;
        rtpCtr = new AesCounterMode(rtpAes);
        rtcpCtr = new AesCounterMode(rtcpAes);
        rtpHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtpAuthKey);
        rtcpHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtcpAuthKey);
        rtpSalt = keys.RtpSalt;
        rtcpSalt = keys.RtcpSalt;
    }

    public override void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ulong index)
    {
        SrtpKeyDerivation.WriteAesCmIv(iv, rtpSalt, ssrc, index);
        rtpCtr.Xor(iv, packet[headerLength..length]);
        RtpMac(packet[..length], rolloverCounter);
        mac.AsSpan(0, rtpTagLength).CopyTo(packet[length..]);
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ulong index)
    {
        var authenticated = length - rtpTagLength;
        RtpMac(packet[..authenticated], rolloverCounter);
        if (!CryptographicOperations.FixedTimeEquals(mac.AsSpan(0, rtpTagLength), packet.Slice(authenticated, rtpTagLength)))
        {
            return false;
        }

        SrtpKeyDerivation.WriteAesCmIv(iv, rtpSalt, ssrc, index);
        rtpCtr.Xor(iv, packet[headerLength..authenticated]);
        return true;
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint srtcpIndex)
    {
        SrtpKeyDerivation.WriteAesCmIv(iv, rtcpSalt, ssrc, srtcpIndex);
        rtcpCtr.Xor(iv, packet[RtcpHeaderLength..length]);
        BinaryPrimitives.WriteUInt32BigEndian(packet[length..], SrtcpEncryptedFlag | srtcpIndex);
        var authenticated = length + SrtcpIndexLength;
        RtcpMac(packet[..authenticated]);
        mac.AsSpan(0, rtcpTagLength).CopyTo(packet[authenticated..]);
        return authenticated + rtcpTagLength;
    }

    public override uint ReadSrtcpIndexWord(ReadOnlySpan<byte> packet, int length) =>
        BinaryPrimitives.ReadUInt32BigEndian(packet[(length - rtcpTagLength - SrtcpIndexLength)..]);

    public override int UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord)
    {
        var authenticated = length - rtcpTagLength;
        RtcpMac(packet[..authenticated]);
        if (!CryptographicOperations.FixedTimeEquals(mac.AsSpan(0, rtcpTagLength), packet.Slice(authenticated, rtcpTagLength)))
        {
            return -1;
        }

        var plainLength = authenticated - SrtcpIndexLength;
        if ((indexWord & SrtcpEncryptedFlag) != 0)
        {
            SrtpKeyDerivation.WriteAesCmIv(iv, rtcpSalt, ssrc, indexWord & ~SrtcpEncryptedFlag);
            rtcpCtr.Xor(iv, packet[RtcpHeaderLength..plainLength]);
        }

        return plainLength;
    }

    public override void Dispose()
    {
        rtpCtr.Dispose();
        rtcpCtr.Dispose();
        rtpAes.Dispose();
        rtcpAes.Dispose();
        rtpHmac.Dispose();
        rtcpHmac.Dispose();
    }

    // Authentication tag input for SRTP is the authenticated portion followed by the 32-bit ROC (RFC 3711 §4.2).
    private void RtpMac(ReadOnlySpan<byte> authenticated, uint rolloverCounter)
    {
        BinaryPrimitives.WriteUInt32BigEndian(roc, rolloverCounter);
        rtpHmac.AppendData(authenticated);
        rtpHmac.AppendData(roc);
        rtpHmac.TryGetHashAndReset(mac, out _);
    }

    private void RtcpMac(ReadOnlySpan<byte> authenticated)
    {
        rtcpHmac.AppendData(authenticated);
        rtcpHmac.TryGetHashAndReset(mac, out _);
    }
}
