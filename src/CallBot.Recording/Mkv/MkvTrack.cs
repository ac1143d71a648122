using CallBot.Abstractions;

namespace CallBot.Recording.Mkv;

/// <summary>One track of the live Matroska stream handed to FFmpeg.</summary>
/// <param name="Number">Track number (1-based), as written in every SimpleBlock.</param>
/// <param name="Codec">The codec.</param>
/// <param name="CodecPrivate">OpusHead for Opus, avcC for H.264, empty for VP8.</param>
/// <param name="Width">Video width in pixels (0 when unknown).</param>
/// <param name="Height">Video height in pixels (0 when unknown).</param>
/// <param name="Channels">Audio channel count.</param>
internal sealed record MkvTrack(int Number, CodecId Codec, byte[] CodecPrivate, int Width = 0, int Height = 0, int Channels = 2)
{
    public string MatroskaCodecId => CodecTable.Get(Codec).MatroskaCodecId;
}
