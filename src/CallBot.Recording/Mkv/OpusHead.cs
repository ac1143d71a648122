using System.Buffers.Binary;

namespace CallBot.Recording.Mkv;

/// <summary>
/// The Opus identification header (RFC 7845 §5.1) that Matroska carries as the A_OPUS CodecPrivate.
/// <code>
///  0                   1                   2                   3
/// |'O'|'p'|'u'|'s'|'H'|'e'|'a'|'d'| version=1 | channels | pre-skip (LE16) |
/// | input sample rate (LE32)      | output gain (LE16)   | mapping family=0 |
/// </code>
/// </summary>
internal static class OpusHead
{
    public const int Length = 19;

    /// <summary>WebRTC Opus has no encoder priming to skip at the point we start recording, so pre-skip is 0.</summary>
    public static byte[] Build(int channels, int inputSampleRate = 48_000)
    {
        var head = new byte[Length];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1;
        head[9] = (byte)channels;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), (uint)inputSampleRate);
        BinaryPrimitives.WriteInt16LittleEndian(head.AsSpan(16), 0);
        head[18] = 0;
        return head;
    }
}
