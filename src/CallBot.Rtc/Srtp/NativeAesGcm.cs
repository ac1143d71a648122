using System.Security.Cryptography;

namespace CallBot.Rtc.Srtp;

/// <summary>The fallback: .NET's <see cref="AesGcm"/> (OpenSSL on Linux).</summary>
internal sealed class NativeAesGcm : GcmAead
{
    private readonly AesGcm _gcm;

    public NativeAesGcm(ReadOnlySpan<byte> key) => _gcm = new AesGcm(key, TagLength);

    public override void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> data, Span<byte> tag, ReadOnlySpan<byte> aad) =>
        _gcm.Encrypt(nonce, data, data, tag, aad);

    public override bool Decrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        try
        {
            _gcm.Decrypt(nonce, data, tag, data, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public override void Dispose() => _gcm.Dispose();
}
