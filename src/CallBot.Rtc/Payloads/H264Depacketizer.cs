using System.Buffers.Binary;

namespace CallBot.Rtc.Payloads;

/// <summary>
/// H.264 depacketizer, RFC 6184 packetization-mode=1 (single NAL unit, STAP-A, FU-A); output is Annex B.
/// The last SPS and PPS seen are kept and put in front of an IDR access unit that arrives without them.
/// </summary>
public sealed class H264Depacketizer : IDepacketizer
{
    private static ReadOnlySpan<byte> StartCode => [0, 0, 0, 1];

    private const byte FuStart = 0x80;
    private const byte FuEnd = 0x40;
    private const byte FirstMbZeroBit = 0x80; // first_mb_in_slice ue(v) == 0 is the single bit '1'

    private byte[] _sps = [];
    private byte[] _pps = [];
    private bool _inFragment;
    private bool _sawSps;
    private bool _sawPps;
    private bool _sawIdr;

    public bool TryUnmarshal(ReadOnlySpan<byte> payload, FrameBuffer frame, out PayloadDropReason reason)
    {
        ArgumentNullException.ThrowIfNull(frame);
        reason = PayloadDropReason.None;
        if (payload.IsEmpty)
        {
            reason = PayloadDropReason.TooShort;
            return false;
        }

        var type = H264NalType.Of(payload[0]);
        switch (type)
        {
            case >= 1 and <= 23:
                AppendUnit(frame, payload);
                return true;
            case H264NalType.StapA:
                return TryUnmarshalStapA(payload, frame, out reason);
            case H264NalType.FuA:
                return TryUnmarshalFuA(payload, frame, out reason);
            default:
                reason = PayloadDropReason.Unsupported;
                return false;
        }
    }

    public bool IsPartitionHead(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        var type = H264NalType.Of(payload[0]);
        return type switch
        {
            H264NalType.StapA => payload.Length > 3 && StartsAccessUnit(H264NalType.Of(payload[3]), payload[4..]),
            H264NalType.FuA => payload.Length > 2 && (payload[1] & FuStart) != 0 && StartsAccessUnit(H264NalType.Of(payload[1]), payload[2..]),
            _ => StartsAccessUnit(type, payload[1..]),
        };
    }

    /// <summary>No frame numbers in this format.</summary>
    public bool TryGetFrameNumber(ReadOnlySpan<byte> payload, out int number, out int modulus)
    {
        number = 0;
        modulus = 0;
        return false;
    }

    public bool IsPartitionTail(bool marker, ReadOnlySpan<byte> payload) => marker;

    public void CompleteFrame(FrameBuffer frame, out bool isKeyFrame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        isKeyFrame = _sawIdr;
        if (_sawIdr)
        {
            // Put back what the sender left out, in SPS, PPS, IDR order.
            if (!_sawPps && _pps.Length > 0)
            {
                frame.Prepend(_pps);
                frame.Prepend(StartCode);
            }

            if (!_sawSps && _sps.Length > 0)
            {
                frame.Prepend(_sps);
                frame.Prepend(StartCode);
            }
        }

        ResetFrameState();
    }

    public void Reset() => ResetFrameState();

    // A unit that certainly begins an access unit: parameter sets, SEI, AUD, or a slice whose first_mb_in_slice is 0.
    private static bool StartsAccessUnit(int type, ReadOnlySpan<byte> afterHeader)
    {
        return type switch
        {
            H264NalType.Slice or H264NalType.IdrSlice => !afterHeader.IsEmpty && (afterHeader[0] & FirstMbZeroBit) != 0,
            H264NalType.Sei or H264NalType.Sps or H264NalType.Pps or H264NalType.AccessUnitDelimiter => true,
            _ => false,
        };
    }

    private bool TryUnmarshalStapA(ReadOnlySpan<byte> payload, FrameBuffer frame, out PayloadDropReason reason)
    {
        // Check every size before writing anything.
        var offset = 1;
        var units = 0;
        while (offset < payload.Length)
        {
            if (payload.Length - offset < 2)
            {
                reason = PayloadDropReason.BadLength;
                return false;
            }

            var size = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
            offset += 2;
            if (size == 0 || payload.Length - offset < size)
            {
                reason = PayloadDropReason.BadLength;
                return false;
            }

            offset += size;
            units++;
        }

        if (units == 0)
        {
            reason = PayloadDropReason.TooShort;
            return false;
        }

        offset = 1;
        while (offset < payload.Length)
        {
            var size = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
            AppendUnit(frame, payload.Slice(offset + 2, size));
            offset += 2 + size;
        }

        reason = PayloadDropReason.None;
        return true;
    }

    private bool TryUnmarshalFuA(ReadOnlySpan<byte> payload, FrameBuffer frame, out PayloadDropReason reason)
    {
        if (payload.Length < 3)
        {
            reason = PayloadDropReason.TooShort;
            return false;
        }

        var fuHeader = payload[1];
        var type = H264NalType.Of(fuHeader);
        if ((fuHeader & FuStart) != 0)
        {
            frame.Append(StartCode);
            frame.Append((byte)((payload[0] & H264NalType.ForbiddenAndNriMask) | type));
            _inFragment = true;
            Note(type);
        }
        else if (!_inFragment)
        {
            reason = PayloadDropReason.MissingStart;
            return false;
        }

        frame.Append(payload[2..]);
        if ((fuHeader & FuEnd) != 0)
        {
            _inFragment = false;
        }

        reason = PayloadDropReason.None;
        return true;
    }

    private void AppendUnit(FrameBuffer frame, ReadOnlySpan<byte> unit)
    {
        frame.Append(StartCode);
        frame.Append(unit);
        var type = H264NalType.Of(unit[0]);
        Note(type);
        if (type == H264NalType.Sps)
        {
            Keep(ref _sps, unit);
        }
        else if (type == H264NalType.Pps)
        {
            Keep(ref _pps, unit);
        }
    }

    private void Note(int type)
    {
        _sawSps |= type == H264NalType.Sps;
        _sawPps |= type == H264NalType.Pps;
        _sawIdr |= type == H264NalType.IdrSlice;
    }

    // Parameter sets change rarely: reallocate only when the size changes.
    private static void Keep(ref byte[] store, ReadOnlySpan<byte> unit)
    {
        if (store.Length != unit.Length)
        {
            store = new byte[unit.Length];
        }

        unit.CopyTo(store);
    }

    private void ResetFrameState()
    {
        _inFragment = false;
        _sawSps = false;
        _sawPps = false;
        _sawIdr = false;
    }
}
