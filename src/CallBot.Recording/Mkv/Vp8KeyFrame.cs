using System.Buffers.Binary;

namespace CallBot.Recording.Mkv;

/// <summary>Reads the frame size from a VP8 key frame header (RFC 6386 §9.1).</summary>
/// <remarks>
/// <code>
/// | frame tag (3 bytes, bit 0 = 0 for key frame) | 9d 01 2a | width (LE16: 14 bits + 2 scale) | height (LE16) |
/// </code>
/// </remarks>
internal static class Vp8KeyFrame
{
    private const int HeaderLength = 10;
    private const int SizeMask = 0x3FFF;

    public static bool TryReadSize(ReadOnlySpan<byte> frame, out int width, out int height)
    {
        width = 0;
        height = 0;
        if (frame.Length < HeaderLength || (frame[0] & 0x01) != 0 || frame[3] != 0x9D || frame[4] != 0x01 || frame[5] != 0x2A)
        {
            return false;
        }

        width = BinaryPrimitives.ReadUInt16LittleEndian(frame[6..]) & SizeMask;
        height = BinaryPrimitives.ReadUInt16LittleEndian(frame[8..]) & SizeMask;
        return width > 0 && height > 0;
    }
}
