using System.Diagnostics;
using CallBot.Abstractions;

namespace CallBot.Recording.Tests.Support;

/// <summary>Feeds frames at their media time in real time (a live call), driven by a PeriodicTimer.</summary>
internal static class RealTimeFeeder
{
    public static async Task FeedAsync(ParticipantRecorder recorder, IReadOnlyList<EncodedFrame> video, IReadOnlyList<EncodedFrame> audio)
    {
        var clock = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        int v = 0, a = 0;
        while (v < video.Count || a < audio.Count)
        {
            var now = clock.Elapsed.TotalSeconds;
            while (v < video.Count && video[v].Timestamp / 90_000.0 <= now)
            {
                recorder.OnFrame(video[v++]);
            }

            while (a < audio.Count && audio[a].Timestamp / 48_000.0 <= now)
            {
                recorder.OnFrame(audio[a++]);
            }

            await tick.WaitForNextTickAsync();
        }
    }
}
