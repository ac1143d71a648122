using System.Buffers;
using System.Buffers.Binary;

namespace CallBot.Media.Containers;

/// <summary>
/// Writes VP8 frames as IVF (the layout is drawn on <see cref="IvfReader"/>): a way to hand VP8 to FFmpeg through a pipe
/// (<c>-f ivf -i pipe:0</c>) or to a file. The frame count in the header is written as 0 (unknown), as FFmpeg does for pipes.
/// </summary>
public static class IvfWriter
{
    /// <summary>Writes the 32-byte file header; pts of later frames count units of <paramref name="timeBaseNumerator"/>/<paramref name="timeBaseDenominator"/> seconds.</summary>
    public static void WriteFileHeader(IBufferWriter<byte> output, int width, int height, uint timeBaseNumerator, uint timeBaseDenominator)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(IvfReader.FileHeaderSize)[..IvfReader.FileHeaderSize];
        span.Clear();
        "DKIF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[IvfReader.HeaderLengthOffset..], IvfReader.FileHeaderSize);
        "VP80"u8.CopyTo(span[IvfReader.FourCcOffset..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[IvfReader.WidthOffset..], checked((ushort)width));
        BinaryPrimitives.WriteUInt16LittleEndian(span[IvfReader.HeightOffset..], checked((ushort)height));
        BinaryPrimitives.WriteUInt32LittleEndian(span[IvfReader.RateOffset..], timeBaseDenominator);
        BinaryPrimitives.WriteUInt32LittleEndian(span[IvfReader.ScaleOffset..], timeBaseNumerator);
        output.Advance(IvfReader.FileHeaderSize);
    }

    /// <summary>Writes one frame: 12-byte frame header and the payload.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, ReadOnlySpan<byte> frame, long pts)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(IvfReader.FrameHeaderSize + frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)frame.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], pts);
        frame.CopyTo(span[IvfReader.FrameHeaderSize..]);
        output.Advance(IvfReader.FrameHeaderSize + frame.Length);
    }
}
