using System.Buffers.Binary;
using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Fec;

/// <summary>
/// Builds one ULPFEC packet (RFC 5109, level 0, full protection) over a group of media packets of one stream: each
/// packet is XORed in as it is sent, so the parity is ready when the group closes and no media packet is kept. Any
/// single loss in a group is recoverable from the rest plus the FEC packet. The group is closed by the caller (the
/// protection policy decides its size; a frame's last packet closes it too, as in Chrome).
/// </summary>
/// <remarks>One buffer of <see cref="UlpfecPacket.MaxProtectionLength"/> bytes, allocated once; not thread-safe (the producer's).</remarks>
public sealed class UlpfecEncoder
{
    private readonly byte[] _parity = new byte[UlpfecPacket.MaxProtectionLength];
    private ushort _base;
    private ulong _mask;
    private int _protectionLength;
    private byte _byte0;
    private byte _byte1;
    private uint _timestamp;
    private ushort _lengthRecovery;

    /// <summary>Media packets in the open group.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// XORs a media packet (a whole RTP packet) into the group. False, and nothing changes, when it cannot be protected
    /// in this group: too short or too long, or its sequence number is before the group's first or 48 or more after it
    /// (close the group and add it to the next).
    /// </summary>
    public bool Add(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < RtpHeader.FixedSize || packet.Length > UlpfecPacket.MaxMediaPacketSize)
        {
            return false;
        }

        var sequence = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (Count == 0)
        {
            _base = sequence;
        }

        var index = (ushort)(sequence - _base);
        if (index >= UlpfecPacket.MaxProtected)
        {
            return false;
        }

        var body = packet[RtpHeader.FixedSize..];
        if (body.Length > _protectionLength)
        {
            // The parity beyond the old length is the XOR of nothing yet: zero.
            _parity.AsSpan(_protectionLength, body.Length - _protectionLength).Clear();
            _protectionLength = body.Length;
        }

        UlpfecPacket.Xor(_parity, body);
        _byte0 ^= packet[0];
        _byte1 ^= packet[1];
        _timestamp ^= BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        _lengthRecovery ^= (ushort)body.Length;
        _mask |= 1UL << (UlpfecPacket.MaxProtected - 1 - index);
        Count++;
        return true;
    }

    /// <summary>The size of the FEC packet the open group makes (0 when empty).</summary>
    public int GetSize() => Count == 0 ? 0
        : UlpfecPacket.HeaderSize + ((_mask & 0xFFFF_FFFF) != 0 ? UlpfecPacket.LongLevelHeaderSize : UlpfecPacket.ShortLevelHeaderSize) + _protectionLength;

    /// <summary>Writes the FEC packet (the RTP payload of a ULPFEC packet, or a RED block) and starts a new group.</summary>
    public bool TryClose(Span<byte> destination, out int written)
    {
        written = GetSize();
        if (written == 0 || destination.Length < written)
        {
            written = 0;
            return false;
        }

        var offset = UlpfecPacket.WriteHeaders(destination, _byte0, _byte1, _base, _timestamp, _lengthRecovery, _protectionLength, _mask);
        _parity.AsSpan(0, _protectionLength).CopyTo(destination[offset..]);
        Reset();
        return true;
    }

    /// <summary>Drops the open group without writing it.</summary>
    public void Reset()
    {
        Count = 0;
        _mask = 0;
        _protectionLength = 0;
        _byte0 = 0;
        _byte1 = 0;
        _timestamp = 0;
        _lengthRecovery = 0;
    }
}
