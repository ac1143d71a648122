namespace CallBot.Recording.Mkv;

/// <summary>
/// Pre-encoded 20 ms Opus frames of digital silence, written into audio gaps (mute, loss) so the audio track keeps
/// real, continuous timestamps without transcoding.
/// </summary>
/// <remarks>
/// TOC byte (RFC 6716 §3.1): config 31 = CELT-only, fullband, 20 ms; bit 2 = stereo; code 0 = one frame.
/// The two payload bytes 0xFF 0xFE decode to silence in CELT.
/// </remarks>
internal static class OpusSilence
{
    public const int FrameDurationMs = 20;
    public const int FrameDurationTicks = 960;

    public static ReadOnlySpan<byte> Mono => [0xF8, 0xFF, 0xFE];

    public static ReadOnlySpan<byte> Stereo => [0xFC, 0xFF, 0xFE];

    public static ReadOnlySpan<byte> For(int channels) => channels >= 2 ? Stereo : Mono;
}
