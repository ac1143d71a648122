using System.Buffers.Binary;

namespace CallBot.Media.Containers;

/// <summary>One frame of an IVF file: the payload is a slice of the reader's input.</summary>
public readonly record struct IvfFrame(ReadOnlyMemory<byte> Data, long Pts, bool IsKeyFrame);

/// <summary>
/// Reads IVF, the trivial container libvpx and FFmpeg write VP8 into (<c>-f ivf</c>).
/// </summary>
/// <remarks>
/// <code>
/// File header (32 bytes, little endian)
///  0      4  signature "DKIF"
///  4      2  version (0)
///  6      2  header length in bytes (32)
///  8      4  FourCC ("VP80")
/// 12      2  width      14  2  height
/// 16      4  time base denominator (rate)
/// 20      4  time base numerator (scale)          pts seconds = pts * numerator / denominator
/// 24      4  frame count (often 0 or wrong when written to a pipe; never trusted)
/// 28      4  unused
/// Frame header (12 bytes)
///  0      4  frame size in bytes
///  4      8  pts (in time base units)
/// </code>
/// A VP8 frame is a key frame when bit 0 of its first byte (the inverted "P" bit of the frame tag, RFC 6386 §9.1) is 0.
/// </remarks>
public sealed class IvfReader
{
    public const int FileHeaderSize = 32;
    public const int FrameHeaderSize = 12;
    /// <summary>Cap on one frame: a 1080p VP8 key frame at high quality is well below 2 MiB.</summary>
    public const int DefaultMaxFrameSize = 4 * 1024 * 1024;

    private const uint Signature = 0x46494B44; // "DKIF" read little endian
    private const uint FourCcVp8 = 0x30385056; // "VP80" read little endian
    // File header layout, shared with IvfWriter.
    internal const int HeaderLengthOffset = 6;
    internal const int FourCcOffset = 8;
    internal const int WidthOffset = 12;
    internal const int HeightOffset = 14;
    internal const int RateOffset = 16;
    internal const int ScaleOffset = 20;
    private const int MaxHeaderLength = 1024;
    private const byte Vp8InterFrameBit = 0x01;

    private readonly ReadOnlyMemory<byte> _input;
    private readonly int _maxFrameSize;
    private int _position;

    private IvfReader(ReadOnlyMemory<byte> input, int headerLength, int width, int height, uint rate, uint scale, int maxFrameSize)
    {
        _input = input;
        _position = headerLength;
        Width = width;
        Height = height;
        TimeBaseDenominator = rate;
        TimeBaseNumerator = scale;
        _maxFrameSize = maxFrameSize;
    }

    public int Width { get; }

    public int Height { get; }

    public uint TimeBaseNumerator { get; }

    public uint TimeBaseDenominator { get; }

    /// <summary>Why reading stopped early; <see cref="ContainerError.None"/> after a clean end of input.</summary>
    public ContainerError Error { get; private set; }

    /// <summary>Parses the file header. Accepts only VP8 ("VP80").</summary>
    public static bool TryCreate(ReadOnlyMemory<byte> input, out IvfReader? reader, out ContainerError error, int maxFrameSize = DefaultMaxFrameSize)
    {
        reader = null;
        var span = input.Span;
        if (span.Length < FileHeaderSize)
        {
            error = ContainerError.Truncated;
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(span) != Signature)
        {
            error = ContainerError.BadSignature;
            return false;
        }

        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(span[HeaderLengthOffset..]);
        if (headerLength < FileHeaderSize || headerLength > MaxHeaderLength || headerLength > span.Length)
        {
            error = ContainerError.BadLength;
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(span[FourCcOffset..]) != FourCcVp8)
        {
            error = ContainerError.UnsupportedCodec;
            return false;
        }

        var rate = BinaryPrimitives.ReadUInt32LittleEndian(span[RateOffset..]);
        var scale = BinaryPrimitives.ReadUInt32LittleEndian(span[ScaleOffset..]);
        if (rate == 0 || scale == 0)
        {
            error = ContainerError.BadLength;
            return false;
        }

        reader = new IvfReader(input, headerLength, BinaryPrimitives.ReadUInt16LittleEndian(span[WidthOffset..]),
            BinaryPrimitives.ReadUInt16LittleEndian(span[HeightOffset..]), rate, scale, maxFrameSize);
        error = ContainerError.None;
        return true;
    }

    /// <summary>Reads the next frame. False at the end of input (<see cref="Error"/> is None) or on bad bytes (<see cref="Error"/> says why).</summary>
    public bool TryReadNext(out IvfFrame frame)
    {
        frame = default;
        if (Error != ContainerError.None)
        {
            return false;
        }

        var remaining = _input.Length - _position;
        if (remaining == 0)
        {
            return false;
        }

        if (remaining < FrameHeaderSize)
        {
            Error = ContainerError.Truncated;
            return false;
        }

        var header = _input.Span.Slice(_position, FrameHeaderSize);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var pts = BinaryPrimitives.ReadInt64LittleEndian(header[4..]);
        if (size == 0 || size > (uint)_maxFrameSize)
        {
            Error = size == 0 ? ContainerError.BadLength : ContainerError.FrameTooLarge;
            return false;
        }

        if (size > (uint)(remaining - FrameHeaderSize))
        {
            Error = ContainerError.Truncated;
            return false;
        }

        var data = _input.Slice(_position + FrameHeaderSize, (int)size);
        _position += FrameHeaderSize + (int)size;
        frame = new IvfFrame(data, pts, (data.Span[0] & Vp8InterFrameBit) == 0);
        return true;
    }

    /// <summary>Converts a pts in this file's time base to units of <paramref name="clockRate"/> (rounded down).</summary>
    public long ToClock(long pts, int clockRate) => (long)((Int128)pts * clockRate * TimeBaseNumerator / TimeBaseDenominator);
}
