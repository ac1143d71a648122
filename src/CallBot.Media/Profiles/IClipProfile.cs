using CallBot.Abstractions;

namespace CallBot.Media.Profiles;

/// <summary>
/// What encoding, parsing and caching a clip need of its profile, video (<see cref="VideoProfile"/>) or audio
/// (<see cref="AudioProfile"/>) alike: only the FFmpeg arguments differ by kind (<see cref="Clips.ClipEncoder"/>).
/// </summary>
public interface IClipProfile
{
    CodecId Codec { get; }

    /// <summary>Frames per second of a video clip; 0 for audio, whose frames are the codec's packets.</summary>
    int FrameRate { get; }

    int BitrateKbps { get; }

    /// <summary>Length of the clip in whole seconds; for a file source, the maximum.</summary>
    int ClipSeconds { get; }

    /// <summary>Stable text for cache keys.</summary>
    string CacheKey { get; }

    /// <summary>Throws <see cref="ArgumentException"/> for values FFmpeg or the codec cannot honour; returns the profile.</summary>
    IClipProfile Validate();
}
