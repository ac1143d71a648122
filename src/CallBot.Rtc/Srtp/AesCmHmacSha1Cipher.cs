using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CallBot.Rtc.Srtp;

/// <summary>AES_CM_128 encryption with HMAC-SHA1 authentication (RFC 3711 §4.1.1, §4.2.1).</summary>
internal sealed class AesCmHmacSha1Cipher : SrtpCipher
{
    private const int Sha1Length = 20;
    private const int RocLength = 4;

    private readonly int _rtpTagLength;
    private readonly int _rtcpTagLength;
    private readonly Aes _rtpAes;
    private readonly Aes _rtcpAes;
    private readonly AesCounterMode _rtpCtr;
    private readonly AesCounterMode _rtcpCtr;
    private readonly IncrementalHash _rtpHmac;
    private readonly IncrementalHash _rtcpHmac;
    private readonly byte[] _rtpSalt;
    private readonly byte[] _rtcpSalt;
    private readonly byte[] _mac = new byte[Sha1Length];
    private readonly byte[] _iv = new byte[SrtpKeyDerivation.BlockSize];
    private readonly byte[] _roc = new byte[RocLength];

    public AesCmHmacSha1Cipher(SrtpProfile profile, SrtpSessionKeys keys)
    {
        _rtpTagLength = profile.RtpAuthTagLength;
        _rtcpTagLength = profile.RtcpAuthTagLength;
        _rtpAes = Aes.Create();
        _rtpAes.Key = keys.RtpKey;
        _rtcpAes = Aes.Create();
        _rtcpAes.Key = keys.RtcpKey;
        _rtpCtr = new AesCounterMode(_rtpAes);
        _rtcpCtr = new AesCounterMode(_rtcpAes);
        _rtpHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtpAuthKey);
        _rtcpHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtcpAuthKey);
        _rtpSalt = keys.RtpSalt;
        _rtcpSalt = keys.RtcpSalt;
    }

    public override void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ulong index)
    {
        SrtpKeyDerivation.WriteAesCmIv(_iv, _rtpSalt, ssrc, index);
        _rtpCtr.Xor(_iv, packet[headerLength..length]);
        RtpMac(packet[..length], rolloverCounter);
        _mac.AsSpan(0, _rtpTagLength).CopyTo(packet[length..]);
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint rolloverCounter, ulong index)
    {
        var authenticated = length - _rtpTagLength;
        RtpMac(packet[..authenticated], rolloverCounter);
        if (!CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, _rtpTagLength), packet.Slice(authenticated, _rtpTagLength)))
        {
            return false;
        }

        SrtpKeyDerivation.WriteAesCmIv(_iv, _rtpSalt, ssrc, index);
        _rtpCtr.Xor(_iv, packet[headerLength..authenticated]);
        return true;
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint srtcpIndex)
    {
        SrtpKeyDerivation.WriteAesCmIv(_iv, _rtcpSalt, ssrc, srtcpIndex);
        _rtcpCtr.Xor(_iv, packet[RtcpHeaderLength..length]);
        BinaryPrimitives.WriteUInt32BigEndian(packet[length..], SrtcpEncryptedFlag | srtcpIndex);
        var authenticated = length + SrtcpIndexLength;
        RtcpMac(packet[..authenticated]);
        _mac.AsSpan(0, _rtcpTagLength).CopyTo(packet[authenticated..]);
        return authenticated + _rtcpTagLength;
    }

    public override uint ReadSrtcpIndexWord(ReadOnlySpan<byte> packet, int length) =>
        BinaryPrimitives.ReadUInt32BigEndian(packet[(length - _rtcpTagLength - SrtcpIndexLength)..]);

    public override int UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord)
    {
        var authenticated = length - _rtcpTagLength;
        RtcpMac(packet[..authenticated]);
        if (!CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, _rtcpTagLength), packet.Slice(authenticated, _rtcpTagLength)))
        {
            return -1;
        }

        var plainLength = authenticated - SrtcpIndexLength;
        if ((indexWord & SrtcpEncryptedFlag) != 0)
        {
            SrtpKeyDerivation.WriteAesCmIv(_iv, _rtcpSalt, ssrc, indexWord & ~SrtcpEncryptedFlag);
            _rtcpCtr.Xor(_iv, packet[RtcpHeaderLength..plainLength]);
        }

        return plainLength;
    }

    public override void Dispose()
    {
        _rtpCtr.Dispose();
        _rtcpCtr.Dispose();
        _rtpAes.Dispose();
        _rtcpAes.Dispose();
        _rtpHmac.Dispose();
        _rtcpHmac.Dispose();
    }

    // Authentication tag input for SRTP is the authenticated portion followed by the 32-bit ROC (RFC 3711 §4.2).
    private void RtpMac(ReadOnlySpan<byte> authenticated, uint rolloverCounter)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_roc, rolloverCounter);
        _rtpHmac.AppendData(authenticated);
        _rtpHmac.AppendData(_roc);
        _rtpHmac.TryGetHashAndReset(_mac, out _);
    }

    private void RtcpMac(ReadOnlySpan<byte> authenticated)
    {
        _rtcpHmac.AppendData(authenticated);
        _rtcpHmac.TryGetHashAndReset(_mac, out _);
    }
}
