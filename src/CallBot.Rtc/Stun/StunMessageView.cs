using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CallBot.Rtc.Stun;

/// <summary>
/// A parsed STUN message: a view over the received bytes, valid only while those bytes are
/// unchanged (the receive buffer is reused for the next datagram). Nothing here allocates except
/// <see cref="TryGetXorMappedAddress(out IPEndPoint?)"/>, which is for the cold path.
/// </summary>
public readonly ref struct StunMessageView
{
    private readonly int _integrityOffset;
    private readonly int _integritySha256Offset;
    private readonly int _fingerprintOffset;

    internal StunMessageView(ReadOnlySpan<byte> raw, int integrityOffset, int integritySha256Offset, int fingerprintOffset)
    {
        Raw = raw;
        _integrityOffset = integrityOffset;
        _integritySha256Offset = integritySha256Offset;
        _fingerprintOffset = fingerprintOffset;
    }

    /// <summary>The whole message (header + attributes), exactly as received.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    public ushort Type => BinaryPrimitives.ReadUInt16BigEndian(Raw);

    public StunClass Class => StunMessageType.GetClass(Type);

    public StunMethod Method => StunMessageType.GetMethod(Type);

    public ReadOnlySpan<byte> TransactionId => Raw.Slice(StunConstants.TransactionIdOffset, StunConstants.TransactionIdSize);

    public bool HasMessageIntegrity => _integrityOffset >= 0;

    public bool HasMessageIntegritySha256 => _integritySha256Offset >= 0;

    /// <summary>FINGERPRINT was present; <see cref="StunMessage.TryParse"/> already checked its value.</summary>
    public bool HasFingerprint => _fingerprintOffset >= 0;

    public AttributeEnumerator GetAttributes() => new(Raw);

    /// <summary>
    /// Finds the first attribute of <paramref name="type"/>. Attributes that follow MESSAGE-INTEGRITY
    /// are ignored (RFC 8489 §14.5) except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT.
    /// </summary>
    public bool TryGetAttribute(ushort type, out ReadOnlySpan<byte> value)
    {
        var firstIntegrity = FirstIntegrityOffset();
        foreach (var attribute in GetAttributes())
        {
            if (firstIntegrity >= 0 && attribute.Offset > firstIntegrity
                && type != StunAttributeType.MessageIntegritySha256 && type != StunAttributeType.Fingerprint)
            {
                break;
            }

            if (attribute.Type == type)
            {
                value = attribute.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    public bool HasAttribute(ushort type) => TryGetAttribute(type, out _);

    /// <summary>USERNAME as UTF-8 bytes (RFC 8489 §14.3).</summary>
    public bool TryGetUsername(out ReadOnlySpan<byte> utf8) => TryGetAttribute(StunAttributeType.Username, out utf8);

    /// <summary>
    /// ERROR-CODE (RFC 8489 §14.8): 21 reserved bits, 3-bit class, 8-bit number, then a UTF-8 reason.
    /// </summary>
    public bool TryGetErrorCode(out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        code = 0;
        reasonUtf8 = default;
        if (!TryGetAttribute(StunAttributeType.ErrorCode, out var value) || value.Length < 4)
        {
            return false;
        }

        var errorClass = value[2] & 0x07;
        var number = value[3];
        if (errorClass is < 3 or > 6 || number > 99)
        {
            return false;
        }

        code = (errorClass * 100) + number;
        reasonUtf8 = value[4..];
        return true;
    }

    /// <summary>XOR-MAPPED-ADDRESS decoded to an endpoint (allocates; cold path).</summary>
    public bool TryGetXorMappedAddress(out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!TryGetAttribute(StunAttributeType.XorMappedAddress, out var value))
        {
            return false;
        }

        Span<byte> address = stackalloc byte[16];
        if (!StunXorAddress.TryDecode(value, TransactionId, address, out var addressLength, out var port))
        {
            return false;
        }

        endPoint = new IPEndPoint(new IPAddress(address[..addressLength]), port);
        return true;
    }

    /// <summary>
    /// Checks MESSAGE-INTEGRITY (HMAC-SHA1), or MESSAGE-INTEGRITY-SHA256 when only that one is present,
    /// with <paramref name="key"/> (for ICE: the UTF-8 bytes of the password). Does not allocate.
    /// </summary>
    public bool VerifyMessageIntegrity(ReadOnlySpan<byte> key)
    {
        if (_integrityOffset >= 0)
        {
            return StunIntegrity.Verify(Raw, _integrityOffset, key, sha256: false);
        }

        return _integritySha256Offset >= 0 && StunIntegrity.Verify(Raw, _integritySha256Offset, key, sha256: true);
    }

    private int FirstIntegrityOffset()
    {
        if (_integrityOffset < 0)
        {
            return _integritySha256Offset;
        }

        return _integritySha256Offset < 0 ? _integrityOffset : Math.Min(_integrityOffset, _integritySha256Offset);
    }

    /// <summary>A 32-bit big-endian attribute value; false when absent or not 4 bytes long.</summary>
    public bool TryGetUInt32(ushort type, out uint result) => TryGetBigEndian(type, out result);

    /// <summary>A 64-bit big-endian attribute value; false when absent or not 8 bytes long.</summary>
    public bool TryGetUInt64(ushort type, out ulong result) => TryGetBigEndian(type, out result);

    // An unsigned integer attribute must be exactly as long as the integer: a shorter or longer value is malformed.
    private bool TryGetBigEndian<T>(ushort type, out T result)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        if (TryGetAttribute(type, out var value) && value.Length == Unsafe.SizeOf<T>()
            && T.TryReadBigEndian(value, isUnsigned: true, out result))
        {
            return true;
        }

        result = T.Zero;
        return false;
    }

    /// <summary>One TLV attribute; <see cref="Offset"/> is where its header starts in the message.</summary>
    public readonly ref struct StunAttributeEntry
    {
        public StunAttributeEntry(ushort type, int offset, ReadOnlySpan<byte> value)
        {
            Type = type;
            Offset = offset;
            Value = value;
        }

        public ushort Type { get; }

        public int Offset { get; }

        public ReadOnlySpan<byte> Value { get; }
    }

    /// <summary>Walks the attributes of a message that <see cref="StunMessage.TryParse"/> validated.</summary>
    public ref struct AttributeEnumerator
    {
        private readonly ReadOnlySpan<byte> _raw;
        private int _next;

        internal AttributeEnumerator(ReadOnlySpan<byte> raw)
        {
            _raw = raw;
            _next = StunConstants.HeaderSize;
            Current = default;
        }

        public StunAttributeEntry Current { get; private set; }

        public readonly AttributeEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_next + StunConstants.AttributeHeaderSize > _raw.Length)
            {
                return false;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(_raw[_next..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(_raw[(_next + 2)..]);
            var valueStart = _next + StunConstants.AttributeHeaderSize;
            if (valueStart + length > _raw.Length)
            {
                return false;
            }

            Current = new StunAttributeEntry(type, _next, _raw.Slice(valueStart, length));
            _next = valueStart + StunMessage.Pad4(length);
            return true;
        }
    }
}
