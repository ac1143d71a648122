using System.Buffers.Binary;
using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Fec;

/// <summary>
/// Recovers lost media packets of one stream from ULPFEC (RFC 5109 §8): it remembers the last <see cref="Window"/>
/// media packets and up to <see cref="MaxPendingFec"/> FEC packets; when a FEC packet's group misses exactly one packet,
/// that packet is the XOR of the FEC packet and the group's others. A recovered packet is remembered too, so it can
/// complete another group. The caller feeds what <see cref="TryRecover"/> returns to the stream as if it was received
/// (the jitter buffer then stops waiting for it, before a NACK asks).
/// </summary>
/// <remarks>
/// Memory is fixed at construction (<see cref="Window"/> × 1500 + <see cref="MaxPendingFec"/> × 1518 bytes, ~120 KB per
/// protected stream) and nothing is allocated per packet. Remote values are bounded: a FEC packet must parse
/// (<see cref="UlpfecPacket.TryParse"/>), protect sequence numbers near those received (±<see cref="Window"/>), and a
/// recovery must produce a packet that parses as RTP within the protection length; otherwise it is rejected and counted
/// in <see cref="Rejected"/>. The oldest pending FEC packet gives way to a new one. Not thread-safe (the receive loop's).
/// </remarks>
public sealed class UlpfecDecoder
{
    /// <summary>Media packets remembered (by sequence number modulo the window).</summary>
    public const int Window = 64;

    /// <summary>FEC packets waiting for the rest of their group.</summary>
    public const int MaxPendingFec = 16;

    private readonly byte[][] _media = new byte[Window][];
    private readonly int[] _mediaLength = new int[Window];
    private readonly ushort[] _mediaSequence = new ushort[Window];
    private readonly byte[][] _fec = new byte[MaxPendingFec][];
    private readonly int[] _fecLength = new int[MaxPendingFec];
    private readonly long[] _rejected = new long[Enum.GetValues<FecDropReason>().Length];
    private readonly byte[] _work = new byte[UlpfecPacket.MaxMediaPacketSize];
    private int _nextFec;
    private bool _started;
    private ushort _highest;
    private uint _ssrc;

    public UlpfecDecoder()
    {
        for (var i = 0; i < Window; i++)
        {
            _media[i] = new byte[UlpfecPacket.MaxMediaPacketSize];
        }

        for (var i = 0; i < MaxPendingFec; i++)
        {
            _fec[i] = new byte[UlpfecPacket.MaxSize];
        }
    }

    /// <summary>Media packets rebuilt from FEC.</summary>
    public long Recovered { get; private set; }

    /// <summary>FEC packets accepted (parsed and in the window).</summary>
    public long FecReceived { get; private set; }

    /// <summary>FEC packets rejected, by reason (index = <see cref="FecDropReason"/>).</summary>
    public long Rejected(FecDropReason reason) => _rejected[(int)reason];

    /// <summary>A media packet (a whole RTP packet) was received: remember it for the groups it belongs to.</summary>
    public void AddMedia(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < RtpHeader.FixedSize || packet.Length > UlpfecPacket.MaxMediaPacketSize)
        {
            return;
        }

        var sequence = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (!_started)
        {
            _started = true;
            _highest = sequence;
            _ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        }
        else if (IsNewer(sequence, _highest))
        {
            _highest = sequence;
        }
        else if ((ushort)(_highest - sequence) >= Window)
        {
            return;
        }

        var slot = sequence % Window;
        packet.CopyTo(_media[slot]);
        _mediaLength[slot] = packet.Length;
        _mediaSequence[slot] = sequence;
    }

    /// <summary>A ULPFEC packet (the RTP payload, or the RED block) was received. False, counted, when it is rejected.</summary>
    public bool AddFec(ReadOnlySpan<byte> fec)
    {
        if (fec.Length > UlpfecPacket.MaxSize)
        {
            // Levels above 0 are never sent by WebRTC; a longer packet is not one we can hold.
            return Reject(FecDropReason.BadProtectionLength);
        }

        if (!UlpfecPacket.TryParse(fec, out var header, out var reason))
        {
            return Reject(reason);
        }

        if (!_started || Distance(_highest, header.SequenceBase) >= Window)
        {
            return Reject(FecDropReason.OutOfWindow);
        }

        var slot = _nextFec;
        _nextFec = (_nextFec + 1) % MaxPendingFec;
        fec.CopyTo(_fec[slot]);
        _fecLength[slot] = fec.Length;
        FecReceived++;
        return true;
    }

    /// <summary>
    /// Rebuilds one lost media packet if a pending FEC packet allows it, into <paramref name="destination"/>; call until
    /// false (one recovery can complete another group). A FEC packet whose group is complete, too old, or that cannot
    /// recover is dropped.
    /// </summary>
    public bool TryRecover(Span<byte> destination, out int written)
    {
        written = 0;
        for (var slot = 0; slot < MaxPendingFec; slot++)
        {
            if (_fecLength[slot] == 0)
            {
                continue;
            }

            var fec = _fec[slot].AsSpan(0, _fecLength[slot]);
            if (!UlpfecPacket.TryParse(fec, out var header, out _))
            {
                _fecLength[slot] = 0;
                continue;
            }

            var missing = -1;
            var missingCount = 0;
            var tooOld = false;
            for (var i = 0; i < UlpfecPacket.MaxProtected; i++)
            {
                if (!header.Protects(i))
                {
                    continue;
                }

                var sequence = (ushort)(header.SequenceBase + i);
                if (!IsNewer(sequence, _highest) && (ushort)(_highest - sequence) >= Window)
                {
                    tooOld = true;
                    break;
                }

                if (!Has(sequence))
                {
                    missing = i;
                    missingCount++;
                }
            }

            if (tooOld || missingCount == 0)
            {
                _fecLength[slot] = 0;
                continue;
            }

            if (missingCount > 1)
            {
                continue;
            }

            _fecLength[slot] = 0;
            if (Rebuild(fec, header, (ushort)(header.SequenceBase + missing), destination, out written))
            {
                AddMedia(destination[..written]);
                Recovered++;
                return true;
            }
        }

        return false;
    }

    private bool Rebuild(ReadOnlySpan<byte> fec, in UlpfecHeader header, ushort sequence, Span<byte> destination, out int written)
    {
        written = 0;
        var byte0 = header.RecoveryByte0;
        var byte1 = header.RecoveryByte1;
        var timestamp = header.TimestampRecovery;
        var length = header.LengthRecovery;
        var parity = _work.AsSpan(0, header.ProtectionLength);
        fec.Slice(header.PayloadOffset, header.ProtectionLength).CopyTo(parity);
        for (var i = 0; i < UlpfecPacket.MaxProtected; i++)
        {
            var other = (ushort)(header.SequenceBase + i);
            if (!header.Protects(i) || other == sequence)
            {
                continue;
            }

            var slot = other % Window;
            var packet = _media[slot].AsSpan(0, _mediaLength[slot]);
            byte0 ^= packet[0];
            byte1 ^= packet[1];
            timestamp ^= BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
            length ^= (ushort)(packet.Length - RtpHeader.FixedSize);
            UlpfecPacket.Xor(parity, packet[RtpHeader.FixedSize..]);
        }

        var size = RtpHeader.FixedSize + length;
        if (length > header.ProtectionLength || size > destination.Length)
        {
            return Reject(FecDropReason.BadProtectionLength);
        }

        destination[0] = (byte)((RtpHeader.Version2 << 6) | (byte0 & 0x3F));
        destination[1] = byte1;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], _ssrc);
        parity[..length].CopyTo(destination[RtpHeader.FixedSize..]);
        if (!RtpHeader.TryParse(destination[..size], out _, out _, out _))
        {
            return Reject(FecDropReason.BadHeader);
        }

        written = size;
        return true;
    }

    private bool Has(ushort sequence)
    {
        var slot = sequence % Window;
        return _mediaLength[slot] > 0 && _mediaSequence[slot] == sequence;
    }

    private bool Reject(FecDropReason reason)
    {
        _rejected[(int)reason]++;
        return false;
    }

    /// <summary>True when <paramref name="sequence"/> comes after <paramref name="than"/> (RFC 1982 serial arithmetic).</summary>
    private static bool IsNewer(ushort sequence, ushort than) => (short)(sequence - than) > 0;

    private static int Distance(ushort a, ushort b) => Math.Abs((short)(a - b));
}
