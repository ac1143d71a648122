using CallBot.Abstractions;
using CallBot.Load.Driver;

namespace CallBot.Load.Quality;

/// <summary>
/// The <c>audio_mos</c> of one received audio stream: <see cref="EModel"/> for Opus with the stream's packet loss and a
/// mouth-to-ear delay of RTT/2 (0 when the RTT is unknown) + a jitter buffer of <see cref="JitterBufferFactor"/> × the RTP
/// interarrival jitter (an adaptive buffer's usual target) + the codec's own delay.
/// </summary>
public static class AudioMos
{
    public const double JitterBufferFactor = 2;

    public static double? Of(StreamResult stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.Kind != MediaKind.Audio || stream.FramesReceived == 0)
        {
            return null;
        }

        var mouthToEar = TimeSpan.FromMilliseconds(((stream.RttMs ?? 0) / 2) + (JitterBufferFactor * stream.JitterMs)) + EModelCodec.Opus.Delay;
        return EModel.Mos(EModel.Rating(EModelCodec.Opus, mouthToEar, stream.LossFraction));
    }
}
