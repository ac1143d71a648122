using System.Buffers.Binary;

namespace CallBot.Rtc.Stun;

/// <summary>Entry point for reading STUN datagrams (RFC 8489 §5, §6.3).</summary>
public static class StunMessage
{
    /// <summary>Cheap test used by demultiplexing: top two bits zero, header size, magic cookie.</summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= StunConstants.HeaderSize
        && (datagram[0] & 0xC0) == 0
        && BinaryPrimitives.ReadUInt32BigEndian(datagram[StunConstants.CookieOffset..]) == StunConstants.MagicCookie;

    /// <summary>
    /// Validates the header and walks every attribute once. Never throws; on false,
    /// <paramref name="reason"/> says why. FINGERPRINT, when present, is checked here.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out StunMessageView message, out StunDropReason reason)
    {
        message = default;
        if (datagram.Length < StunConstants.HeaderSize)
        {
            reason = StunDropReason.TooShort;
            return false;
        }

        if ((datagram[0] & 0xC0) != 0)
        {
            reason = StunDropReason.NotStun;
            return false;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[StunConstants.CookieOffset..]) != StunConstants.MagicCookie)
        {
            reason = StunDropReason.BadMagicCookie;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[StunConstants.LengthOffset..]);
        if ((length & 3) != 0)
        {
            reason = StunDropReason.UnalignedLength;
            return false;
        }

        if (length + StunConstants.HeaderSize != datagram.Length)
        {
            reason = StunDropReason.LengthMismatch;
            return false;
        }

        var integrity = -1;
        var integritySha256 = -1;
        var fingerprint = -1;
        var offset = StunConstants.HeaderSize;
        while (offset < datagram.Length)
        {
            if (offset + StunConstants.AttributeHeaderSize > datagram.Length)
            {
                reason = StunDropReason.TruncatedAttribute;
                return false;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(datagram[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
            var next = offset + StunConstants.AttributeHeaderSize + Pad4(valueLength);
            if (next > datagram.Length)
            {
                reason = StunDropReason.TruncatedAttribute;
                return false;
            }

            switch (type)
            {
                case StunAttributeType.MessageIntegrity when integrity < 0:
                    if (valueLength != StunConstants.MessageIntegritySize)
                    {
                        reason = StunDropReason.BadMessageIntegrityLength;
                        return false;
                    }

                    integrity = offset;
                    break;
                case StunAttributeType.MessageIntegritySha256 when integritySha256 < 0:
                    if (valueLength is < StunConstants.MessageIntegritySha256MinSize or > StunConstants.MessageIntegritySha256MaxSize
                        || (valueLength & 3) != 0)
                    {
                        reason = StunDropReason.BadMessageIntegrityLength;
                        return false;
                    }

                    integritySha256 = offset;
                    break;
                case StunAttributeType.Fingerprint:
                    if (next != datagram.Length)
                    {
                        reason = StunDropReason.FingerprintNotLast;
                        return false;
                    }

                    if (valueLength != StunConstants.FingerprintSize || !StunIntegrity.CheckFingerprint(datagram, offset))
                    {
                        reason = StunDropReason.BadFingerprint;
                        return false;
                    }

                    fingerprint = offset;
                    break;
            }

            offset = next;
        }

        message = new StunMessageView(datagram, integrity, integritySha256, fingerprint);
        reason = StunDropReason.None;
        return true;
    }

    internal static int Pad4(int length) => (length + 3) & ~3;
}
