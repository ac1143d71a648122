namespace CallBot.Media.Containers;

/// <summary>Reads the duration of an Opus packet from its TOC byte (RFC 6716 §3.1).</summary>
/// <remarks>
/// <code>
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// | config  |s| c |   config: mode and frame size; s: stereo; c: frame count code
/// +-+-+-+-+-+-+-+-+
/// c = 0: 1 frame, c = 1 or 2: 2 frames, c = 3: the next byte holds the count M in its low 6 bits (RFC 6716 §3.2.5)
/// </code>
/// </remarks>
public static class OpusToc
{
    /// <summary>Opus timestamps are always at 48 kHz (RFC 7587 §4.1).</summary>
    public const int SampleRate = 48_000;

    /// <summary>A packet holds at most 120 ms of audio (RFC 6716 §3.2.5).</summary>
    public const int MaxPacketSamples = 120 * SampleRate / 1000;

    private const int ConfigShift = 3;
    private const int CountCodeMask = 0x03;
    private const int FrameCountMask = 0x3F;
    private const int SilkConfigsEnd = 12;
    private const int HybridConfigsEnd = 16;

    // Frame sizes in 48 kHz samples: SILK 10/20/40/60 ms, hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
    private static ReadOnlySpan<int> SilkSizes => [480, 960, 1920, 2880];
    private static ReadOnlySpan<int> HybridSizes => [480, 960];
    private static ReadOnlySpan<int> CeltSizes => [120, 240, 480, 960];

    /// <summary>Samples at 48 kHz in <paramref name="packet"/>; false for an empty or malformed packet.</summary>
    public static bool TryGetSamples(ReadOnlySpan<byte> packet, out int samples)
    {
        samples = 0;
        if (packet.IsEmpty)
        {
            return false;
        }

        var config = packet[0] >> ConfigShift;
        var frameSize = config < SilkConfigsEnd ? SilkSizes[config & 3]
            : config < HybridConfigsEnd ? HybridSizes[config & 1]
            : CeltSizes[config & 3];
        int frames;
        switch (packet[0] & CountCodeMask)
        {
            case 0:
                frames = 1;
                break;
            case 1:
            case 2:
                frames = 2;
                break;
            default:
                if (packet.Length < 2)
                {
                    return false;
                }

                frames = packet[1] & FrameCountMask;
                break;
        }

        samples = frames * frameSize;
        return frames > 0 && samples <= MaxPacketSamples;
    }
}
