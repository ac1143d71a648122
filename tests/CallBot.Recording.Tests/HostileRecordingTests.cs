using CallBot.Abstractions;
using CallBot.Recording.Ffmpeg;
using CallBot.Recording.Mkv;
using CallBot.Recording.Tests.Support;
using CallBot.Recording.Timeline;
using CallBot.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Recording.Tests;

/// <summary>
/// Issue 16 row 9: what remote parties choose (names, frame sizes, how long they talk) cannot overwrite a recording,
/// fill the disk, or grow the queue towards FFmpeg without bound.
/// </summary>
public sealed class HostileRecordingTests(TestClips clips) : IClassFixture<TestClips>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Two_recordings_whose_names_collide_both_survive_under_distinct_names()
    {
        var root = TestClips.NewDirectory();
        var path = Path.Combine(root, "same-name.webm");
        var time = new FakeTimeProvider(Start);

        await using var first = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(first.Start(root), first.Error);
        Feeder.Feed(first, time, Start, clips.Vp8, clips.Opus);
        Assert.Equal(RecordingStatus.Completed, (await first.StopAsync()).Status);
        var firstBytes = File.ReadAllBytes(first.OutputPath);

        await using var second = new ParticipantRecorder("u2", path, CodecId.Opus, null, new RecordingOptions(), time);
        Assert.True(second.Start(root), second.Error);
        Feeder.Feed(second, time, time.GetUtcNow(), [], clips.Opus);
        Assert.Equal(RecordingStatus.Completed, (await second.StopAsync()).Status);

        Assert.Equal(path, first.OutputPath);
        Assert.Equal(Path.Combine(root, "same-name-2.webm"), second.OutputPath);
        Assert.Equal(firstBytes, File.ReadAllBytes(first.OutputPath)); // untouched by the second
        Assert.Equal(string.Empty, FfTool.DecodeErrors(first.OutputPath));
        Assert.Equal(string.Empty, FfTool.DecodeErrors(second.OutputPath));
    }

    [Fact]
    public async Task Below_the_free_space_floor_a_recording_does_not_start_and_says_why()
    {
        var root = TestClips.NewDirectory();
        var options = new RecordingOptions { MinFreeDiskBytes = 512L * 1024 * 1024, FreeSpaceProbe = _ => 100L * 1024 * 1024 };
        await using var recorder = new ParticipantRecorder("u1", Path.Combine(root, "p.webm"), CodecId.Opus, CodecId.Vp8, options, new FakeTimeProvider(Start));

        Assert.False(recorder.Start(root));
        Assert.Equal(RecordingStatus.Failed, recorder.Status);
        Assert.Contains("free disk space 100 MiB is below the 512 MiB floor", recorder.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "p.webm")));
    }

    [Fact]
    public async Task A_disk_filling_up_mid_call_stops_the_recording_cleanly_with_a_clear_error()
    {
        var root = TestClips.NewDirectory();
        var probes = 0;
        // Plenty at start, then the disk "fills": the first check after data was written (the first flush) fails.
        var options = new RecordingOptions { MinFreeDiskBytes = 512L * 1024 * 1024, FreeSpaceProbe = _ => Interlocked.Increment(ref probes) == 1 ? long.MaxValue : 0 };
        var time = new FakeTimeProvider(Start);
        await using var recorder = new ParticipantRecorder("u1", Path.Combine(root, "p.webm"), CodecId.Opus, CodecId.Vp8, options, time);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.Vp8, clips.Opus); // never throws: the call goes on
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Failed, info.Status);
        Assert.Contains("below the 512 MiB floor", info.Error, StringComparison.Ordinal);
        Assert.True(probes >= 2);
        // What was written before the floor was hit is a file FFmpeg reads, and the report names it.
        Assert.Equal(recorder.OutputPath, info.File);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(recorder.OutputPath));
    }

    /// <summary>
    /// The CI failure of the test above, made deterministic: the pipe's first flush held only our header (the pipe task
    /// drained the queue before the first frames were queued) and the floor check after it said no. FFmpeg then saw a
    /// Matroska input that ended after its header, exited without writing a byte, and the empty file was left as the
    /// recording ("EBML header parsing failed"). The floor is checked only once a frame has gone through.
    /// </summary>
    [Fact]
    public async Task The_floor_reached_when_only_the_header_has_reached_ffmpeg_still_leaves_a_file_with_the_frames()
    {
        var root = TestClips.NewDirectory();
        var path = Path.Combine(root, "header-first.webm");
        File.Create(path).Dispose();
        var noRoom = 0;
        await using var muxer = RecordingMuxer.Start(path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), _ => { },
            hasRoom: () => false, onNoRoom: () => Interlocked.Increment(ref noRoom));

        var keyFrame = clips.Vp8[0];
        Assert.Equal(TimelineWrite.Written, muxer.WriteHeader(keyFrame, withVideo: true));
        await Poll.UntilAsync(() => muxer.BytesWritten > 0, TimeSpan.FromSeconds(10), "header flushed on its own", TestContext.Current.CancellationToken);
        Assert.Equal(TimelineWrite.Written, muxer.WriteVideo(keyFrame, 0));
        for (var i = 0; i < 5; i++)
        {
            var audio = clips.Opus[i].Data;
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(audio.Length);
            audio.Span.CopyTo(buffer);
            Assert.Equal(TimelineWrite.Written, muxer.WriteAudio(buffer, audio.Length, i * 20));
        }

        Assert.True(await muxer.FinishAsync(TimeSpan.FromSeconds(30)), "FFmpeg did not exit");

        Assert.Equal(1, noRoom);
        Assert.True(muxer.ExitCode == 0, $"FFmpeg exited with {muxer.ExitCode}: {muxer.StderrTail}");
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        Assert.Single(FfTool.PacketTimes(path, "v:0"));
    }

    [Fact]
    public void The_queue_towards_ffmpeg_is_bounded_in_bytes_not_only_in_frames()
    {
        var writer = new MkvPipeWriter(Stream.Null, capacity: 2048, onError: _ => { }, maxQueuedBytes: 4 * 1024 * 1024);
        var frame = new byte[1024 * 1024];
        var accepted = 0;
        for (var i = 0; i < 10; i++)
        {
            if (writer.TryEnqueue(new MuxItem(frame, frame.Length, 1, i, true, false, false)))
            {
                accepted++;
            }
        }

        Assert.Equal(4, accepted);
        Assert.Equal(4 * 1024 * 1024, writer.QueuedBytes);
        Assert.True(writer.TryEnqueue(new MuxItem(frame, 0, 1, 11, false, false, false)), "an empty item still fits");
    }
}
