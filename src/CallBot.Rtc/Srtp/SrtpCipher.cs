namespace CallBot.Rtc.Srtp;

/// <summary>
/// One profile's transform of a single packet, already given its index. Where the trailer sits:
/// <code>
///   SRTP  (both):     header | payload (encrypted)               | tag
///   SRTCP (AES-CM):   header(8) | body (encrypted) | E||index(4) | tag(10)     tag covers E||index
///   SRTCP (GCM):      header(8) | body (encrypted) | tag(16) | E||index(4)     E||index is AAD
/// </code>
/// Implementations own cached cipher/HMAC instances and scratch; they are not thread-safe.
/// </summary>
internal abstract class SrtpCipher : IDisposable
{
    public const int RtcpHeaderLength = 8;
    public const int SrtcpIndexLength = 4;
    public const uint SrtcpEncryptedFlag = 0x8000_0000;

    /// <summary>Encrypts packet[headerLength..length] and writes the tag at packet[length..].</summary>
    public abstract void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint roc, ulong index);

    /// <summary>Verifies the tag at the end of packet[..length] and decrypts the payload; false if the tag is wrong.</summary>
    public abstract bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, uint roc, ulong index);

    /// <summary>Encrypts packet[8..length], appends the trailer, returns the new length.</summary>
    public abstract int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint srtcpIndex);

    /// <summary>Reads the E||index word of a protected SRTCP packet of <paramref name="length"/> bytes.</summary>
    public abstract uint ReadSrtcpIndexWord(ReadOnlySpan<byte> packet, int length);

    /// <summary>Verifies and (if E is set) decrypts; on success returns the plain RTCP length, else -1.</summary>
    public abstract int UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint indexWord);

    public abstract void Dispose();
}
