using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CallBot.Rtc.Srtp;

/// <summary>
/// The AES-CM PRF key derivation of RFC 3711 §4.3 and the IV constructions of RFC 3711 §4.1.1 and
/// RFC 7714 §8.1/§9.1, as pure functions so the RFC vectors test them directly. Only a key derivation
/// rate of 0 is supported (the only rate DTLS-SRTP uses), so the packet index never enters the PRF.
/// </summary>
public static class SrtpKeyDerivation
{
    public const byte LabelRtpEncryption = 0x00;
    public const byte LabelRtpAuthentication = 0x01;
    public const byte LabelRtpSalt = 0x02;
    public const byte LabelRtcpEncryption = 0x03;
    public const byte LabelRtcpAuthentication = 0x04;
    public const byte LabelRtcpSalt = 0x05;

    internal const int BlockSize = 16;
    internal const int AesCmSaltLength = 14;
    internal const int GcmIvLength = 12;

    // key_id = label || r, 7 bytes, aligned to the right end of the 112-bit salt: the label is byte 7.
    private const int LabelOffset = 7;

    /// <summary>
    /// Derives one session key/salt: x = (label || r) XOR master_salt, output = AES-CM(master_key, x * 2^16).
    /// A 96-bit GCM master salt is first multiplied by 2^16 (RFC 7714 erratum 4938), i.e. zero-padded on the right.
    /// </summary>
    public static void DeriveSessionKey(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        if (masterSalt.Length > AesCmSaltLength)
        {
            throw new ArgumentException("The master salt is at most 14 bytes.", nameof(masterSalt));
        }

        Span<byte> iv = stackalloc byte[BlockSize];
        iv.Clear();
        masterSalt.CopyTo(iv);
        iv[LabelOffset] ^= label;

        using var aes = Aes.Create();
        aes.Key = masterKey.ToArray();
        using var counterMode = new AesCounterMode(aes);
        output.Clear();
        counterMode.Xor(iv, output);
    }

    /// <summary>
    /// AES-CM IV for SRTP and SRTCP (RFC 3711 §4.1.1):
    /// IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), with i the 48-bit packet index or the 31-bit SRTCP index.
    /// </summary>
    public static void WriteAesCmIv(Span<byte> iv, ReadOnlySpan<byte> sessionSalt, uint ssrc, ulong index)
    {
        iv[..BlockSize].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(iv[4..], ssrc);
        // i * 2^16 puts the 48-bit index in bytes 8..13.
        BinaryPrimitives.WriteUInt16BigEndian(iv[8..], (ushort)(index >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(iv[10..], (uint)index);
        for (var i = 0; i < AesCmSaltLength; i++)
        {
            iv[i] ^= sessionSalt[i];
        }
    }

    /// <summary>GCM IV for SRTP (RFC 7714 §8.1): (00 00 || SSRC || ROC || SEQ) XOR salt.</summary>
    public static void WriteGcmRtpIv(Span<byte> iv, ReadOnlySpan<byte> sessionSalt, uint ssrc, uint roc, ushort sequenceNumber)
    {
        iv[0] = 0;
        iv[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(iv[6..], roc);
        BinaryPrimitives.WriteUInt16BigEndian(iv[10..], sequenceNumber);
        for (var i = 0; i < GcmIvLength; i++)
        {
            iv[i] ^= sessionSalt[i];
        }
    }

    /// <summary>GCM IV for SRTCP (RFC 7714 §9.1): (00 00 || SSRC || 00 00 || 0 || 31-bit index) XOR salt.</summary>
    public static void WriteGcmRtcpIv(Span<byte> iv, ReadOnlySpan<byte> sessionSalt, uint ssrc, uint srtcpIndex)
    {
        iv[0] = 0;
        iv[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[2..], ssrc);
        iv[6] = 0;
        iv[7] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[8..], srtcpIndex & 0x7FFF_FFFF);
        for (var i = 0; i < GcmIvLength; i++)
        {
            iv[i] ^= sessionSalt[i];
        }
    }
}
