using System.Buffers;
using System.Buffers.Binary;

namespace CallBot.Rtc.Srtp;

/// <summary>AEAD_AES_128_GCM for SRTP and SRTCP (RFC 7714 §8, §9): header is AAD, 16-byte tag.</summary>
internal sealed class AesGcmCipher : SrtpCipher
{
    private const int TagLength = GcmAead.TagLength;
    private const int RtcpAadLength = RtcpHeaderLength + SrtcpIndexLength;

    private readonly GcmAead _rtpGcm;
    private readonly GcmAead _rtcpGcm;
    private readonly byte[] _rtpSalt;
    private readonly byte[] _rtcpSalt;
    private readonly byte[] _nonce = new byte[SrtpKeyDerivation.GcmIvLength];
    private readonly byte[] _rtcpAad = new byte[RtcpAadLength];

    public AesGcmCipher(SrtpSessionKeys keys)
    {
        _rtpGcm = GcmAead.Create(keys.RtpKey);
        _rtcpGcm = GcmAead.Create(keys.RtcpKey);
        _rtpSalt = keys.RtpSalt;
        _rtcpSalt = keys.RtcpSalt;
    }

    public override void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint roc, ulong index)
    {
        SrtpKeyDerivation.WriteGcmRtpIv(_nonce, _rtpSalt, ssrc, roc, (ushort)index);
        var payload = packet[headerLength..length];
        _rtpGcm.Encrypt(_nonce, payload, packet.Slice(length, TagLength), packet[..headerLength]);
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint roc, ulong index)
    {
        SrtpKeyDerivation.WriteGcmRtpIv(_nonce, _rtpSalt, ssrc, roc, (ushort)index);
        var cipherEnd = length - TagLength;
        return _rtpGcm.Decrypt(_nonce, packet[headerLength..cipherEnd], packet.Slice(cipherEnd, TagLength), packet[..headerLength]);
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint srtcpIndex)
    {
        var indexWord = SrtcpEncryptedFlag | srtcpIndex;
        packet[..RtcpHeaderLength].CopyTo(_rtcpAad);
        BinaryPrimitives.WriteUInt32BigEndian(_rtcpAad.AsSpan(RtcpHeaderLength), indexWord);
        SrtpKeyDerivation.WriteGcmRtcpIv(_nonce, _rtcpSalt, ssrc, srtcpIndex);
        var body = packet[RtcpHeaderLength..length];
        _rtcpGcm.Encrypt(_nonce, body, packet.Slice(length, TagLength), _rtcpAad);
        BinaryPrimitives.WriteUInt32BigEndian(packet[(length + TagLength)..], indexWord);
        return length + TagLength + SrtcpIndexLength;
    }

    public override uint ReadSrtcpIndexWord(ReadOnlySpan<byte> packet, int length) =>
        BinaryPrimitives.ReadUInt32BigEndian(packet[(length - SrtcpIndexLength)..]);

    public override int UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord)
    {
        var tagStart = length - SrtcpIndexLength - TagLength;
        SrtpKeyDerivation.WriteGcmRtcpIv(_nonce, _rtcpSalt, ssrc, indexWord & ~SrtcpEncryptedFlag);
        var tag = packet.Slice(tagStart, TagLength);
        if ((indexWord & SrtcpEncryptedFlag) != 0)
        {
            packet[..RtcpHeaderLength].CopyTo(_rtcpAad);
            BinaryPrimitives.WriteUInt32BigEndian(_rtcpAad.AsSpan(RtcpHeaderLength), indexWord);
            return _rtcpGcm.Decrypt(_nonce, packet[RtcpHeaderLength..tagStart], tag, _rtcpAad) ? tagStart : -1;
        }

        return AuthenticateOnly(packet, tagStart, tag, indexWord) ? tagStart : -1;
    }

    public override void Dispose()
    {
        _rtpGcm.Dispose();
        _rtcpGcm.Dispose();
    }

    // E = 0 (RFC 7714 §9.2): the whole packet and the index word are AAD. Browsers never send this; rent, don't cache.
    private bool AuthenticateOnly(Span<byte> packet, int plainLength, ReadOnlySpan<byte> tag, uint indexWord)
    {
        var aad = ArrayPool<byte>.Shared.Rent(plainLength + SrtcpIndexLength);
        try
        {
            packet[..plainLength].CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(plainLength), indexWord);
            return _rtcpGcm.Decrypt(_nonce, Span<byte>.Empty, tag, aad.AsSpan(0, plainLength + SrtcpIndexLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(aad);
        }
    }
}
