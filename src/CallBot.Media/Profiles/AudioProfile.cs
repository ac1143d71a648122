using System.Globalization;
using CallBot.Abstractions;

namespace CallBot.Media.Profiles;

/// <summary>How audio is encoded: always Opus at 48 kHz in 20 ms packets (what browsers send by default).</summary>
/// <param name="BitrateKbps">Opus target bitrate.</param>
/// <param name="Channels">1 (browsers send mono by default) or 2.</param>
/// <param name="ClipSeconds">Length of the clip in whole seconds; for a file source, the maximum.</param>
public sealed record AudioProfile(int BitrateKbps = 32, int Channels = 1, int ClipSeconds = 10) : IClipProfile
{
    /// <summary>Packet duration in 48 kHz units (20 ms).</summary>
    public const int PacketDuration = 960;

    public AudioProfile Validate()
    {
        if (BitrateKbps is < 6 or > 510)
        {
            throw new ArgumentException($"Opus bitrate {BitrateKbps} kbps is out of range 6..510", nameof(BitrateKbps));
        }

        if (Channels is not (1 or 2))
        {
            throw new ArgumentException("channels must be 1 or 2", nameof(Channels));
        }

        if (ClipSeconds is < 1 or > VideoProfile.MaxClipSeconds)
        {
            throw new ArgumentException($"clip length {ClipSeconds} s is out of range", nameof(ClipSeconds));
        }

        return this;
    }

    IClipProfile IClipProfile.Validate() => Validate();

    public CodecId Codec => CodecId.Opus;

    int IClipProfile.FrameRate => 0;

    public string CacheKey => string.Create(CultureInfo.InvariantCulture, $"audio:opus:{BitrateKbps}k:{Channels}ch:20ms:{ClipSeconds}s");
}
