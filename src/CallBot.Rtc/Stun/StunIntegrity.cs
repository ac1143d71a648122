using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CallBot.Rtc.Stun;

/// <summary>
/// MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT arithmetic (RFC 8489 §14.5–14.7). The HMAC covers
/// the message up to the integrity attribute, with the header length rewritten as if the integrity
/// attribute were the last one; the bytes are copied to a stack (or pooled) buffer so the received
/// datagram is never modified and nothing is allocated.
/// </summary>
public static class StunIntegrity
{
    private const int StackLimit = 1024;

    /// <summary>Short-term credential key (RFC 8489 §9.1.1): the password's UTF-8 bytes (ICE passwords are ASCII).</summary>
    public static byte[] ShortTermKey(string password) => Encoding.UTF8.GetBytes(password);

    /// <summary>Long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password), for TURN.</summary>
    public static byte[] LongTermKey(string username, string realm, string password)
    {
#pragma warning disable CA5351 // MD5 is mandated by RFC 8489 §9.2.2 for the long-term key.
        return MD5.HashData(Encoding.UTF8.GetBytes(username + ":" + realm + ":" + password));
#pragma warning restore CA5351
    }

    internal static bool Verify(ReadOnlySpan<byte> raw, int attributeOffset, ReadOnlySpan<byte> key, bool sha256)
    {
        int valueLength = BinaryPrimitives.ReadUInt16BigEndian(raw[(attributeOffset + 2)..]);
        var expected = raw.Slice(attributeOffset + StunConstants.AttributeHeaderSize, valueLength);
        Span<byte> mac = stackalloc byte[StunConstants.MessageIntegritySha256MaxSize];
        if (!Compute(raw[..attributeOffset], valueLength, key, sha256, mac))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(mac[..valueLength], expected);
    }

    /// <summary>
    /// HMAC over <paramref name="prefix"/> (header + attributes before the integrity attribute) with the
    /// length field set to cover an integrity attribute of <paramref name="macLength"/> bytes.
    /// </summary>
    internal static bool Compute(ReadOnlySpan<byte> prefix, int macLength, ReadOnlySpan<byte> key, bool sha256, Span<byte> mac)
    {
        byte[]? rented = null;
        var copy = prefix.Length <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(prefix.Length));
        try
        {
            copy = copy[..prefix.Length];
            prefix.CopyTo(copy);
            var adjusted = prefix.Length - StunConstants.HeaderSize + StunConstants.AttributeHeaderSize + macLength;
            BinaryPrimitives.WriteUInt16BigEndian(copy[StunConstants.LengthOffset..], (ushort)adjusted);
#pragma warning disable CA5350 // HMAC-SHA1 is what MESSAGE-INTEGRITY is (RFC 8489 §14.5); browsers send nothing else.
            return sha256
                ? HMACSHA256.TryHashData(key, copy, mac, out _)
                : HMACSHA1.TryHashData(key, copy, mac, out _);
#pragma warning restore CA5350
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal static bool CheckFingerprint(ReadOnlySpan<byte> raw, int attributeOffset)
    {
        var expected = BinaryPrimitives.ReadUInt32BigEndian(raw[(attributeOffset + StunConstants.AttributeHeaderSize)..]);
        return ComputeFingerprint(raw[..attributeOffset], lengthIncludesFingerprint: raw.Length) == expected;
    }

    /// <summary>CRC-32 of the prefix with the length field set to the final message size, XOR "STUN".</summary>
    internal static uint ComputeFingerprint(ReadOnlySpan<byte> prefix, int lengthIncludesFingerprint)
    {
        // Only the 2-byte length field differs from the bytes on the wire; CRC the parts around it.
        Span<byte> header = stackalloc byte[StunConstants.HeaderSize];
        prefix[..StunConstants.HeaderSize].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[StunConstants.LengthOffset..], (ushort)(lengthIncludesFingerprint - StunConstants.HeaderSize));
        var crc = StunCrc32.Append(StunCrc32.Start, header);
        crc = StunCrc32.Append(crc, prefix[StunConstants.HeaderSize..]);
        return StunCrc32.Finish(crc) ^ StunConstants.FingerprintXor;
    }
}
