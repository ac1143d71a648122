using System.Security.Cryptography;

namespace CallBot.Rtc.Srtp;

/// <summary>
/// AES-128-GCM with a 16-byte tag, in place, as SRTP needs it (RFC 7714): encrypt or verify-and-decrypt one packet
/// with a 12-byte nonce. <see cref="Create"/> picks the managed AES-NI/PCLMULQDQ implementation where the CPU has it
/// (no native call per packet, ~10 % of a loaded bot's CPU was OpenSSL call overhead) and .NET's <see cref="AesGcm"/>
/// elsewhere. Not thread-safe.
/// </summary>
internal abstract class GcmAead : IDisposable
{
    public const int KeyLength = 16;
    public const int NonceLength = 12;
    public const int TagLength = 16;

    /// <summary>The implementation for this CPU.</summary>
    public static GcmAead Create(ReadOnlySpan<byte> key) =>
        IntrinsicAesGcm.IsSupported ? new IntrinsicAesGcm(key) : new NativeAesGcm(key);

    /// <summary>Encrypts <paramref name="data"/> in place and writes the tag over <paramref name="aad"/> and the ciphertext.</summary>
    public abstract void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> data, Span<byte> tag, ReadOnlySpan<byte> aad);

    /// <summary>Verifies the tag and decrypts <paramref name="data"/> in place; false (and data zeroed) if the tag is wrong.</summary>
    public abstract bool Decrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad);

    public abstract void Dispose();
}
