namespace CallBot.Rtc.Payloads;

/// <summary>
/// The start of a VP8 frame (RFC 6386 §9.1, RFC 7741 §4.3): a 3-byte frame tag, and on keyframes a start code and the size.
/// </summary>
/// <remarks>
/// <code>
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// |Size0|H| VER |P|   P = 0: keyframe ("inverse key frame flag")
/// +-+-+-+-+-+-+-+-+
/// |     Size1     |
/// +-+-+-+-+-+-+-+-+
/// |     Size2     |
/// +-+-+-+-+-+-+-+-+
/// keyframes then carry 0x9d 0x01 0x2a, then 16-bit LE width (2-bit scale + 14 bits) and height.
/// </code>
/// </remarks>
public static class Vp8FrameHeader
{
    private const int InverseKeyFrameBit = 0x01;
    private const int KeyFrameHeaderSize = 10;
    private const int SizeMask = 0x3FFF;

    public static bool IsKeyFrame(ReadOnlySpan<byte> frame) => !frame.IsEmpty && (frame[0] & InverseKeyFrameBit) == 0;

    /// <summary>Reads the picture size from a keyframe; false for delta frames or a missing start code.</summary>
    public static bool TryGetSize(ReadOnlySpan<byte> frame, out int width, out int height)
    {
        width = 0;
        height = 0;
        if (frame.Length < KeyFrameHeaderSize || !IsKeyFrame(frame) || frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a)
        {
            return false;
        }

        width = (frame[6] | (frame[7] << 8)) & SizeMask;
        height = (frame[8] | (frame[9] << 8)) & SizeMask;
        return true;
    }
}
