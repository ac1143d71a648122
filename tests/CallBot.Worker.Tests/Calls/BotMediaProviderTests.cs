using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Worker.Calls;
using CallBot.Worker.Options;

namespace CallBot.Worker.Tests.Calls;

/// <summary>The bot's clip as FFmpeg encodes it from <see cref="MediaOptions"/> (a real encode of a small synthetic clip).</summary>
public sealed class BotMediaProviderTests
{
    [Theory]
    [InlineData(2, new[] { 0, 30, 60, 90, 120 })]
    [InlineData(5, new[] { 0, 75 })]
    [InlineData(10, new[] { 0 })]
    public async Task The_clip_has_key_frames_every_KeyFrameIntervalSeconds(int seconds, int[] expected)
    {
        var cache = new ClipCache(
            new ClipEncoder(new FfmpegRunner(new FfmpegOptions { RunTimeout = TimeSpan.FromMinutes(5) })),
            new ClipCacheOptions { DiskDirectory = null, KeyFrameRenditions = false });
        var options = new MediaOptions
        {
            Source = MediaSourceKind.Synthetic,
            Width = 160,
            Height = 90,
            FrameRate = 15,
            VideoBitrateKbps = 100,
            Renditions = 1,
            KeyFrameIntervalSeconds = seconds,
        };

        var tracks = await new BotMediaProvider(cache).GetTracksAsync(options, userId: 4242, TestContext.Current.CancellationToken);

        var clip = tracks.Video!.Renditions[0];
        var keys = new List<int>();
        for (var i = 0; i < clip.Count; i++)
        {
            if (clip[i].IsKeyFrame)
            {
                keys.Add(i);
            }
        }

        Assert.Equal(150, clip.Count);
        Assert.Equal(expected, keys);
    }
}
