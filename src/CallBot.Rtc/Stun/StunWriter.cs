using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace CallBot.Rtc.Stun;

/// <summary>
/// Builds a STUN message into a caller-owned span (typically a pooled send buffer). Attributes
/// are appended in call order; MESSAGE-INTEGRITY then FINGERPRINT must come last. If the buffer is
/// too small, <see cref="TryComplete"/> returns false; nothing throws and nothing allocates.
/// </summary>
public ref struct StunWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private bool _overflow;

    public StunWriter(Span<byte> buffer, ushort messageType, ReadOnlySpan<byte> transactionId)
    {
        _buffer = buffer;
        if (buffer.Length < StunConstants.HeaderSize || transactionId.Length != StunConstants.TransactionIdSize)
        {
            _overflow = true;
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(buffer, messageType);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[StunConstants.LengthOffset..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[StunConstants.CookieOffset..], StunConstants.MagicCookie);
        transactionId.CopyTo(buffer[StunConstants.TransactionIdOffset..]);
        _length = StunConstants.HeaderSize;
    }

    /// <summary>Resumes writing after <paramref name="length"/> bytes of a message already in <paramref name="buffer"/>.</summary>
    public static StunWriter Continue(Span<byte> buffer, int length)
    {
        var writer = new StunWriter(buffer);
        if (length < StunConstants.HeaderSize || length > buffer.Length)
        {
            writer._overflow = true;
            return writer;
        }

        writer._length = length;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[StunConstants.LengthOffset..], (ushort)(length - StunConstants.HeaderSize));
        return writer;
    }

    private StunWriter(Span<byte> buffer)
    {
        _buffer = buffer;
    }

    /// <summary>Bytes written so far (header included).</summary>
    public readonly int Length => _length;

    public readonly bool Overflowed => _overflow;

    public readonly ReadOnlySpan<byte> TransactionId =>
        _overflow && _length == 0 ? default : _buffer.Slice(StunConstants.TransactionIdOffset, StunConstants.TransactionIdSize);

    public bool TryComplete(out int length)
    {
        length = _overflow ? 0 : _length;
        return !_overflow;
    }

    public void AddAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        var slot = Reserve(type, value.Length);
        value.CopyTo(slot);
    }

    public void AddUsername(string username)
    {
        var byteCount = Encoding.UTF8.GetByteCount(username);
        var slot = Reserve(StunAttributeType.Username, byteCount);
        if (!slot.IsEmpty || byteCount == 0)
        {
            Encoding.UTF8.GetBytes(username, slot);
        }
    }

    public void AddSoftware(string software)
    {
        var byteCount = Encoding.UTF8.GetByteCount(software);
        var slot = Reserve(StunAttributeType.Software, byteCount);
        if (!slot.IsEmpty)
        {
            Encoding.UTF8.GetBytes(software, slot);
        }
    }

    /// <summary>An attribute with no value (a flag such as ICE's USE-CANDIDATE).</summary>
    public void AddFlag(ushort type) => Reserve(type, 0);

    public void AddXorMappedAddress(IPEndPoint endPoint)
    {
        var slot = Reserve(StunAttributeType.XorMappedAddress, StunXorAddress.GetSize(endPoint.AddressFamily));
        if (!slot.IsEmpty && StunXorAddress.Encode(endPoint, _buffer.Slice(StunConstants.TransactionIdOffset, StunConstants.TransactionIdSize), slot) == 0)
        {
            _overflow = true;
        }
    }

    /// <summary>ERROR-CODE (RFC 8489 §14.8); <paramref name="code"/> in 300..699.</summary>
    public void AddErrorCode(int code, string reason)
    {
        var reasonBytes = Encoding.UTF8.GetByteCount(reason);
        var slot = Reserve(StunAttributeType.ErrorCode, 4 + reasonBytes);
        if (slot.IsEmpty)
        {
            return;
        }

        slot[0] = 0;
        slot[1] = 0;
        slot[2] = (byte)(code / 100);
        slot[3] = (byte)(code % 100);
        Encoding.UTF8.GetBytes(reason, slot[4..]);
    }

    /// <summary>MESSAGE-INTEGRITY with HMAC-SHA1 (RFC 8489 §14.5).</summary>
    public void AddMessageIntegrity(ReadOnlySpan<byte> key) => AddIntegrity(key, sha256: false);

    /// <summary>MESSAGE-INTEGRITY-SHA256 with the full 32-byte HMAC (RFC 8489 §14.6).</summary>
    public void AddMessageIntegritySha256(ReadOnlySpan<byte> key) => AddIntegrity(key, sha256: true);

    public void AddFingerprint()
    {
        var start = _length;
        var slot = Reserve(StunAttributeType.Fingerprint, StunConstants.FingerprintSize);
        if (slot.IsEmpty)
        {
            return;
        }

        var crc = StunIntegrity.ComputeFingerprint(_buffer[..start], _length);
        BinaryPrimitives.WriteUInt32BigEndian(slot, crc);
    }

    private void AddIntegrity(ReadOnlySpan<byte> key, bool sha256)
    {
        var macLength = sha256 ? StunConstants.MessageIntegritySha256MaxSize : StunConstants.MessageIntegritySize;
        var start = _length;
        var slot = Reserve(sha256 ? StunAttributeType.MessageIntegritySha256 : StunAttributeType.MessageIntegrity, macLength);
        if (slot.IsEmpty)
        {
            return;
        }

        if (!StunIntegrity.Compute(_buffer[..start], macLength, key, sha256, slot))
        {
            _overflow = true;
        }
    }

    public void AddUInt32(ushort type, uint value)
    {
        var slot = Reserve(type, 4);
        if (!slot.IsEmpty)
        {
            BinaryPrimitives.WriteUInt32BigEndian(slot, value);
        }
    }

    public void AddUInt64(ushort type, ulong value)
    {
        var slot = Reserve(type, 8);
        if (!slot.IsEmpty)
        {
            BinaryPrimitives.WriteUInt64BigEndian(slot, value);
        }
    }

    /// <summary>Writes the attribute header and zero padding, updates the length; returns the value slot.</summary>
    private Span<byte> Reserve(ushort type, int valueLength)
    {
        var total = StunConstants.AttributeHeaderSize + StunMessage.Pad4(valueLength);
        if (_overflow || valueLength > ushort.MaxValue || _length + total > _buffer.Length)
        {
            _overflow = true;
            return default;
        }

        var attribute = _buffer.Slice(_length, total);
        BinaryPrimitives.WriteUInt16BigEndian(attribute, type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)valueLength);
        attribute[(StunConstants.AttributeHeaderSize + valueLength)..].Clear();
        _length += total;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[StunConstants.LengthOffset..], (ushort)(_length - StunConstants.HeaderSize));
        return attribute.Slice(StunConstants.AttributeHeaderSize, valueLength);
    }
}
