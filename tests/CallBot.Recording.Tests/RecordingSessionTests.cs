using System.Text.Json;
using CallBot.Abstractions;
using CallBot.Recording.Sync;
using CallBot.Recording.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Recording.Tests;

public sealed class RecordingSessionTests(TestClips clips) : IClassFixture<TestClips>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("../../etc/x", "/dev/sda")]
    [InlineData("/dev/sda", "../../etc/x")]
    [InlineData("..", "CON")]
    [InlineData("a/../../../b", "..\\..\\windows")]
    public async Task Hostile_ids_produce_files_inside_the_recordings_root(string sessionId, string userId)
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        await using var session = new RecordingSession(sessionId, new RecordingOptions { RootDirectory = root }, time);
        var recorder = session.AddParticipant(userId, CodecId.Opus, CodecId.Vp8);
        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(30).ToList(), clips.Opus.Take(50).ToList());
        await session.FinalizeAsync();

        var rootFull = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        Assert.StartsWith(rootFull, Path.GetFullPath(recorder.OutputPath), StringComparison.Ordinal);
        Assert.StartsWith(rootFull, Path.GetFullPath(session.SidecarPath), StringComparison.Ordinal);
        Assert.True(File.Exists(recorder.OutputPath));
        Assert.Equal(3, Path.GetRelativePath(root, recorder.OutputPath).Split(Path.DirectorySeparatorChar).Length); // {date}/{sessionId}/{file}
        Assert.False(File.Exists("/etc/x.webm"));
    }

    [Fact]
    public async Task Files_and_directories_are_owner_only()
    {
        var root = Path.Combine(TestClips.NewDirectory(), "recordings");
        var time = new FakeTimeProvider(Start);
        await using var session = new RecordingSession("s1", new RecordingOptions { RootDirectory = root }, time);
        var recorder = session.AddParticipant("u1", CodecId.Opus, CodecId.Vp8);
        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(30).ToList(), clips.Opus.Take(50).ToList());
        await session.FinalizeAsync();

        const UnixFileMode dirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode fileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(fileMode, File.GetUnixFileMode(recorder.OutputPath));
        Assert.Equal(fileMode, File.GetUnixFileMode(session.SidecarPath));
        for (var dir = Path.GetDirectoryName(recorder.OutputPath)!; dir.Length >= root.Length; dir = Path.GetDirectoryName(dir)!)
        {
            Assert.Equal(dirMode, File.GetUnixFileMode(dir));
        }
    }

    [Fact]
    public async Task Sidecar_json_describes_participants_codecs_counts_gaps_keyframe_requests_sync_and_status()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        await using var session = new RecordingSession("call-42", new RecordingOptions { RootDirectory = root }, time);
        var alice = session.AddParticipant("alice", CodecId.Opus, CodecId.Vp8);
        alice.OnSenderReport(MediaKind.Video, NtpTime.FromUnixMicroseconds(Start.ToUnixTimeMilliseconds() * 1000), 0);
        alice.OnSenderReport(MediaKind.Audio, NtpTime.FromUnixMicroseconds(Start.ToUnixTimeMilliseconds() * 1000 + 200_000), 0);
        Feeder.Feed(alice, time, Start, clips.Vp8.Take(45).ToList(), clips.Opus.Take(100).ToList(), audioOffset: TimeSpan.FromMilliseconds(200));
        alice.OnGap(MediaKind.Video);
        Feeder.Feed(alice, time, Start, clips.Vp8.Skip(60).ToList(), clips.Opus.Skip(100).ToList(), audioOffset: TimeSpan.FromMilliseconds(200));
        var sidecar = await session.FinalizeAsync();
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Same(sidecar, await session.FinalizeAsync());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(session.SidecarPath, TestContext.Current.CancellationToken));
        var doc = json.RootElement;
        Assert.Equal("call-42", doc.GetProperty("sessionId").GetString());
        Assert.Equal("completed", doc.GetProperty("finalizeStatus").GetString());
        Assert.Equal(Start, doc.GetProperty("startedAtUtc").GetDateTimeOffset());
        Assert.True(doc.GetProperty("endedAtUtc").GetDateTimeOffset() >= Start.AddSeconds(4.9));
        var p = Assert.Single(doc.GetProperty("participants").EnumerateArray());
        Assert.Equal("alice", p.GetProperty("userId").GetString());
        Assert.Equal("Completed", p.GetProperty("status").GetString());
        Assert.False(Path.IsPathRooted(p.GetProperty("file").GetString()));
        Assert.EndsWith(".webm", p.GetProperty("file").GetString(), StringComparison.Ordinal);
        Assert.True(p.GetProperty("keyFrameRequests").GetInt64() >= 2);
        var video = p.GetProperty("video");
        Assert.Equal("VP8", video.GetProperty("codec").GetString());
        Assert.Equal(45 + 90, video.GetProperty("framesWritten").GetInt64());
        Assert.Equal(150 - 15, video.GetProperty("framesReceived").GetInt64() - video.GetProperty("framesDroppedBeforeKeyFrame").GetInt64());
        Assert.Equal(1, video.GetProperty("gaps").GetInt64());
        Assert.True(video.GetProperty("syncedBySenderReports").GetBoolean());
        var audio = p.GetProperty("audio");
        Assert.Equal("opus", audio.GetProperty("codec").GetString());
        Assert.Equal(clips.Opus.Count, audio.GetProperty("framesWritten").GetInt64());
        // Audio starts 200 ms after video (by SR): the lead-in is 10 frames of silence from 0 ms.
        Assert.Equal(10, audio.GetProperty("silenceFramesInserted").GetInt64());
        Assert.Equal(0, audio.GetProperty("startOffsetMs").GetInt64());
        Assert.Equal(1, audio.GetProperty("senderReports").GetInt64());
    }

    [Fact]
    public async Task Mp4_at_finalize_probes_with_both_streams_and_faststart()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        await using var session = new RecordingSession("s1", new RecordingOptions { RootDirectory = root, ProduceMp4 = true }, time);
        var recorder = session.AddParticipant("u1", CodecId.Opus, CodecId.H264);
        Feeder.Feed(recorder, time, Start, clips.H264, clips.Opus);
        var sidecar = await session.FinalizeAsync();

        var mp4 = Path.Combine(root, sidecar.Participants[0].Mp4File!);
        using var probe = FfTool.Probe(mp4);
        Assert.Contains("mp4", probe.RootElement.GetProperty("format").GetProperty("format_name").GetString()!, StringComparison.Ordinal);
        Assert.Equal("h264", FfTool.Stream(probe, "video").GetProperty("codec_name").GetString());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.InRange(FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration"), TestClips.Seconds - 0.5, TestClips.Seconds + 0.5);
        Assert.True(MoovBeforeMdat(mp4), "faststart: moov must come before mdat");
        Assert.Equal(string.Empty, FfTool.DecodeErrors(mp4));
    }

    [Fact]
    public async Task Composite_grid_of_two_participants_probes_with_video_and_mixed_audio()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        await using var session = new RecordingSession("s1", new RecordingOptions { RootDirectory = root, Composite = true }, time);
        var a = session.AddParticipant("a", CodecId.Opus, CodecId.Vp8);
        var b = session.AddParticipant("b", CodecId.Opus, CodecId.Vp8);
        var video = clips.Vp8.Take(60).ToList();
        var audio = clips.Opus.Take(100).ToList();
        Feeder.Feed(a, time, Start, video, audio);
        Feeder.Feed(b, time, Start.AddSeconds(2), video, audio);
        var sidecar = await session.FinalizeAsync();

        Assert.Null(sidecar.CompositeError);
        var composite = Path.Combine(root, sidecar.CompositeFile!);
        using var probe = FfTool.Probe(composite);
        var v = FfTool.Stream(probe, "video");
        Assert.Equal(2 * CompositeBuilder.TileWidth, v.GetProperty("width").GetInt32());
        Assert.Equal(CompositeBuilder.TileHeight, v.GetProperty("height").GetInt32());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.InRange(FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration"), 3.5, 4.5); // b starts 2 s later, each lasts 2 s
        Assert.Equal(string.Empty, FfTool.DecodeErrors(composite));
    }

    private static bool MoovBeforeMdat(string mp4)
    {
        var bytes = File.ReadAllBytes(mp4);
        var offset = 0;
        while (offset + 8 <= bytes.Length)
        {
            var size = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(bytes, offset + 4, 4);
            if (type == "moov")
            {
                return true;
            }

            if (type == "mdat" || size < 8)
            {
                return false;
            }

            offset += (int)size;
        }

        return false;
    }
}
