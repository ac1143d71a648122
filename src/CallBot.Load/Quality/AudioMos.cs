using CallBot.Abstractions;
using CallBot.Load.Driver;
using CallBot.Load.Metrics;

namespace CallBot.Load.Quality;

/// <summary>
/// The <c>audio_mos</c> of one received audio stream: <see cref="EModel"/> for the stream's codec (Opus) with its RTP
/// packet loss and a mouth-to-ear delay of: the measured glass-to-glass audio delay (median; RTT/2 when the stream has no
/// delay measurement, 0 when the RTT is unknown too) + a jitter buffer of <see cref="JitterBufferFactor"/> × the RTP
/// interarrival jitter (an adaptive buffer's usual target) + the codec's own delay (frame + look-ahead, which the
/// measured delay does not contain: the capture time is the frame's first sample and pre-encoded frames leave when due).
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

        var codec = EModelCodec.Opus; // the only audio codec CallBot negotiates (StreamResult.Codec)
        var network = stream.Delay is { Count: > 0 } delay ? LogHistogram.FromData(delay).Percentile(50) : (stream.RttMs ?? 0) / 2;
        var mouthToEar = TimeSpan.FromMilliseconds(network + (JitterBufferFactor * stream.JitterMs)) + codec.Delay;
        return EModel.Mos(EModel.Rating(codec, mouthToEar, stream.LossFraction));
    }
}
