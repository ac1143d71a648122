using CallBot.Media.Clips;

namespace CallBot.Worker.Calls;

/// <summary>
/// What one bot sends in every call: pre-encoded tracks shared by all its calls (encoded once per process), or
/// <see cref="Echo"/>: the peer's own frames are sent back without transcoding.
/// </summary>
public sealed class CallMediaTracks
{
    public static readonly CallMediaTracks Echo = new(null, null);

    public CallMediaTracks(EncodedTrack? video, EncodedTrack? audio)
    {
        Video = video;
        Audio = audio;
    }

    public EncodedTrack? Video { get; }

    public EncodedTrack? Audio { get; }

    public bool IsEcho => Video is null && Audio is null;
}
