using CallBot.Abstractions.Ffmpeg;
using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;

namespace CallBot.Media.Tests.Clips;

public sealed class ClipCacheTests : IDisposable
{
    private static readonly VideoProfile Small = new(CodecId.Vp8, 160, 90, 15, 200, 15, ClipSeconds: 2);
    private readonly string _dir = Directory.CreateTempSubdirectory("callbot-cache-").FullName;
    private readonly SyntheticSource _source = new(new SyntheticSourceOptions { Label = "cache" });

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ClipCache NewCache(string? disk = null) => new(new ClipEncoder(new FfmpegRunner()), new ClipCacheOptions { DiskDirectory = disk });

    [Fact]
    public async Task Concurrent_requests_for_one_source_and_profile_share_one_encode_and_one_clip()
    {
        var cache = NewCache();
        var ct = TestContext.Current.CancellationToken;
        var requests = Enumerable.Range(0, 20).Select(_ => cache.GetAsync(_source, Small, ct)).ToArray();
        var clips = await Task.WhenAll(requests);
        Assert.Equal(1, cache.EncodeCount);
        Assert.All(clips, c => Assert.Same(clips[0], c));

        await cache.GetAsync(_source, Small with { BitrateKbps = 100 }, ct);
        await cache.GetAsync(new SyntheticSource(new SyntheticSourceOptions { Label = "other" }), Small, ct);
        Assert.Equal(3, cache.EncodeCount); // a different profile or content is a different clip
    }

    [Fact]
    public async Task The_disk_cache_serves_a_second_process_without_encoding_and_ignores_a_corrupt_entry()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await NewCache(_dir).GetAsync(_source, new AudioProfile(ClipSeconds: 1), ct);
        var files = Directory.GetFiles(_dir);
        Assert.Single(files);
        Assert.EndsWith(".ogg", files[0], StringComparison.Ordinal);

        var second = NewCache(_dir);
        var loaded = await second.GetAsync(_source, new AudioProfile(ClipSeconds: 1), ct);
        Assert.Equal(0, second.EncodeCount);
        Assert.Equal(first.Buffer.ToArray(), loaded.Buffer.ToArray());

        await File.WriteAllBytesAsync(files[0], [1, 2, 3], ct);
        var third = NewCache(_dir);
        var reencoded = await third.GetAsync(_source, new AudioProfile(ClipSeconds: 1), ct);
        Assert.Equal(1, third.EncodeCount);
        Assert.Equal(first.Count, reencoded.Count);
    }

    [Fact]
    public async Task A_failed_encode_is_not_cached()
    {
        var cache = NewCache();
        var path = Path.Combine(_dir, "later.wav");
        var source = new FileSource(path);
        var ct = TestContext.Current.CancellationToken;
        await Assert.ThrowsAsync<FfmpegException>(() => cache.GetAsync(source, new AudioProfile(ClipSeconds: 1), ct));
        await new FfmpegRunner().RunAsync(["-v", "error", "-f", "lavfi", "-i", "sine=duration=1", "-y", path], cancellationToken: ct);
        var clip = await cache.GetAsync(new FileSource(path), new AudioProfile(ClipSeconds: 1), ct);
        Assert.Equal(50, clip.Count);
    }

    [Theory]
    [InlineData(CodecId.Vp8)]
    [InlineData(CodecId.H264)]
    public async Task A_ladder_encodes_renditions_with_aligned_key_frames_and_a_black_filler(CodecId codec)
    {
        var ct = TestContext.Current.CancellationToken;
        var top = new VideoProfile(codec, 320, 180, 15, 600, 15, ClipSeconds: 2);
        var track = await NewCache().GetVideoTrackAsync(_source, VideoLadder.ThreeStep(top), ct);

        Assert.Equal(3, track.Renditions.Count);
        Assert.Equal([100, 240, 600], track.Renditions.Select(r => r.NominalBitrateKbps));
        foreach (var rendition in track.Renditions)
        {
            Assert.Equal(30, rendition.Count);
            Assert.Equal(2, rendition.KeyFrameCount); // frames 0 and 15, in every rendition (EncodedTrack checks the positions)
        }

        Assert.True(track.Renditions[0].Buffer.Length < track.Renditions[2].Buffer.Length);
        Assert.NotNull(track.Filler);
        Assert.True(track.Filler!.Buffer.Length < track.Renditions[0].Buffer.Length); // black costs next to nothing
        // Chosen by what each costs on the wire, not by the nominal rate (the tiny H.264 rung overshoots its 240 kbit/s).
        var middle = track.Renditions[1].WireBitrateKbps;
        Assert.True(middle > track.Renditions[1].MeasuredBitrateKbps);
        Assert.Equal(0, track.SelectRendition(50));
        Assert.Equal(0, track.SelectRendition((int)middle - 1));
        Assert.Equal(1, track.SelectRendition((int)Math.Ceiling(middle)));
        Assert.Equal(2, track.SelectRendition(5000));
    }

    [Fact]
    public async Task An_audio_track_comes_with_a_silence_filler_of_20ms_packets()
    {
        var track = await NewCache().GetAudioTrackAsync(_source, new AudioProfile(ClipSeconds: 1), TestContext.Current.CancellationToken);
        Assert.Equal(CodecId.Opus, track.Codec);
        Assert.Equal(50, track.Filler!.Count);
        Assert.All(track.Filler.Frames.ToArray(), f => Assert.Equal(960, f.Duration));
    }
}
