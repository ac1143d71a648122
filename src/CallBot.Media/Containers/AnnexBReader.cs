using CallBot.Abstractions;

namespace CallBot.Media.Containers;

/// <summary>One H.264 access unit in Annex B form (start codes included): a slice of the reader's input.</summary>
public readonly record struct AccessUnit(ReadOnlyMemory<byte> Data, bool IsKeyFrame, int NalCount);

/// <summary>
/// Splits an H.264 Annex B byte stream (<c>-f h264</c>) into access units.
/// </summary>
/// <remarks>
/// <code>
/// ... 00 00 00 01 | NAL header | payload ... 00 00 01 | NAL header | ...
/// NAL header: forbidden_zero_bit(1) nal_ref_idc(2) nal_unit_type(5)
/// </code>
/// A new access unit starts (H.264 §7.4.1.2.3) at an access unit delimiter (9), SPS (7), PPS (8), SEI (6), types 14–18,
/// or at a slice (1 or 5) whose first_mb_in_slice is 0 — once the current unit already holds a slice. first_mb_in_slice is
/// the first ue(v) of the slice header, so it is 0 exactly when the first bit after the NAL header is 1.
/// A unit is a key frame when it holds an IDR slice (type 5).
/// </remarks>
public sealed class AnnexBReader
{
    /// <summary>Cap on one access unit.</summary>
    public const int DefaultMaxAccessUnitSize = 4 * 1024 * 1024;

    private const byte NalTypeMask = 0x1F;
    private const byte FirstMbZeroBit = 0x80;
    private const int NalSliceNonIdr = 1;
    private const int NalSliceIdr = 5;
    private const int NalSei = 6;
    private const int NalSps = 7;
    private const int NalPps = 8;
    private const int NalAud = 9;
    private const int NalReservedFirst = 14;
    private const int NalReservedLast = 18;

    private readonly ReadOnlyMemory<byte> _input;
    private readonly int _maxAccessUnitSize;
    private int _scan;          // where to search for the next start code
    private int _auStart = -1;  // first byte of the pending access unit
    private bool _auHasSlice;
    private bool _auIsIdr;
    private int _auNals;

    public AnnexBReader(ReadOnlyMemory<byte> input, int maxAccessUnitSize = DefaultMaxAccessUnitSize)
    {
        _input = input;
        _maxAccessUnitSize = maxAccessUnitSize;
    }

    public ContainerError Error { get; private set; }

    /// <summary>Reads the next access unit; false at the end (Error None) or on bad input (Error says why).</summary>
    public bool TryReadNext(out AccessUnit unit)
    {
        unit = default;
        if (Error != ContainerError.None)
        {
            return false;
        }

        var span = _input.Span;
        while (true)
        {
            var nal = AnnexBNalReader.FindStartCode(span, _scan, out var headerAt);
            if (nal < 0)
            {
                return TryFinishLast(span.Length, out unit);
            }

            _scan = headerAt;
            if (headerAt >= span.Length)
            {
                // A start code with nothing after it: trailing garbage, ends the stream.
                return TryFinishLast(nal, out unit);
            }

            var type = span[headerAt] & NalTypeMask;
            var isSlice = type is NalSliceNonIdr or NalSliceIdr;
            var firstMbZero = isSlice && headerAt + 1 < span.Length && (span[headerAt + 1] & FirstMbZeroBit) != 0;
            var startsUnit = type is NalAud or NalSps or NalPps or NalSei || type is >= NalReservedFirst and <= NalReservedLast || firstMbZero;

            if (startsUnit && _auHasSlice)
            {
                if (!TryEmit(_auStart, nal, out unit))
                {
                    return false;
                }

                Begin(nal);
                Add(type, isSlice);
                return true;
            }

            if (_auStart < 0)
            {
                Begin(nal);
            }

            Add(type, isSlice);
            if (nal - _auStart > _maxAccessUnitSize)
            {
                Error = ContainerError.FrameTooLarge;
                return false;
            }
        }
    }

    private bool TryFinishLast(int end, out AccessUnit unit)
    {
        unit = default;
        _scan = _input.Length;
        if (_auStart < 0 || !_auHasSlice)
        {
            _auStart = -1;
            return false;
        }

        var ok = TryEmit(_auStart, end, out unit);
        _auStart = -1;
        _auHasSlice = false;
        return ok;
    }

    private bool TryEmit(int start, int end, out AccessUnit unit)
    {
        if (end - start > _maxAccessUnitSize)
        {
            unit = default;
            Error = ContainerError.FrameTooLarge;
            return false;
        }

        unit = new AccessUnit(_input[start..end], _auIsIdr, _auNals);
        return true;
    }

    private void Begin(int start)
    {
        _auStart = start;
        _auHasSlice = false;
        _auIsIdr = false;
        _auNals = 0;
    }

    private void Add(int type, bool isSlice)
    {
        _auNals++;
        _auHasSlice |= isSlice;
        _auIsIdr |= type == NalSliceIdr;
    }
}
