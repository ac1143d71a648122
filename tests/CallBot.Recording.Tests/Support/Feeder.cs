using CallBot.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Recording.Tests.Support;

/// <summary>Feeds audio and video frames to a recorder in timestamp order, moving a fake clock to each frame's arrival.</summary>
internal static class Feeder
{
    /// <summary>
    /// Each frame "arrives" at <paramref name="start"/> + its stream offset + its media time. Offsets let a stream start later.
    /// </summary>
    public static void Feed(
        ParticipantRecorder recorder,
        FakeTimeProvider time,
        DateTimeOffset start,
        IReadOnlyList<EncodedFrame> video,
        IReadOnlyList<EncodedFrame> audio,
        TimeSpan videoOffset = default,
        TimeSpan audioOffset = default,
        long videoTsBase = 0,
        long audioTsBase = 0)
    {
        int v = 0, a = 0;
        while (v < video.Count || a < audio.Count)
        {
            var vt = v < video.Count ? videoOffset + TimeSpan.FromSeconds(video[v].Timestamp / 90_000.0) : TimeSpan.MaxValue;
            var at = a < audio.Count ? audioOffset + TimeSpan.FromSeconds(audio[a].Timestamp / 48_000.0) : TimeSpan.MaxValue;
            if (vt <= at)
            {
                Advance(time, start + vt);
                var f = video[v++];
                recorder.OnFrame(f with { Timestamp = f.Timestamp + videoTsBase });
            }
            else
            {
                Advance(time, start + at);
                var f = audio[a++];
                recorder.OnFrame(f with { Timestamp = f.Timestamp + audioTsBase });
            }
        }
    }

    private static void Advance(FakeTimeProvider time, DateTimeOffset to)
    {
        if (to > time.GetUtcNow())
        {
            time.SetUtcNow(to);
        }
    }
}
