using CallBot.Abstractions;
using CallBot.Recording.Sync;
using CallBot.Recording.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Recording.Tests;

public sealed class ParticipantRecorderTests(TestClips clips) : IClassFixture<TestClips>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Vp8_and_opus_become_a_webm_that_probes_decodes_and_lasts_the_input()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "p.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.Vp8, clips.Opus);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        using var probe = FfTool.Probe(path);
        Assert.Contains("webm", probe.RootElement.GetProperty("format").GetProperty("format_name").GetString()!, StringComparison.Ordinal);
        Assert.Equal("vp8", FfTool.Stream(probe, "video").GetProperty("codec_name").GetString());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.Equal(320, FfTool.Stream(probe, "video").GetProperty("width").GetInt32());
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        var duration = FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration");
        Assert.InRange(duration, TestClips.Seconds - 0.5, TestClips.Seconds + 0.5);
        Assert.Equal(clips.Vp8.Count, info.Video!.FramesWritten);
        Assert.Equal(clips.Opus.Count, info.Audio!.FramesWritten);
    }

    [Fact]
    public async Task H264_and_opus_become_a_valid_mkv()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "p" + ParticipantRecorder.ExtensionFor(CodecId.H264));
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.H264, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.H264, clips.Opus);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.EndsWith(".mkv", path, StringComparison.Ordinal);
        using var probe = FfTool.Probe(path);
        Assert.Contains("matroska", probe.RootElement.GetProperty("format").GetProperty("format_name").GetString()!, StringComparison.Ordinal);
        Assert.Equal("h264", FfTool.Stream(probe, "video").GetProperty("codec_name").GetString());
        Assert.Equal(240, FfTool.Stream(probe, "video").GetProperty("height").GetInt32());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        Assert.InRange(FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration"), TestClips.Seconds - 0.5, TestClips.Seconds + 0.5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Audio_starting_one_second_after_video_lands_one_second_in_by_sender_reports_not_arrival(bool fillSilence)
    {
        // Video is captured from Start, audio from Start+1 s (sender clock, told by SRs). Audio's network path is
        // 200 ms slower, so arrival time alone would put it at 1.2 s.
        const long videoBase = 1_234_567;
        const long audioBase = 7_654_321;
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "sync.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions { FillAudioGapsWithSilence = fillSilence }, time);
        Assert.True(recorder.Start(root), recorder.Error);
        recorder.OnSenderReport(MediaKind.Video, NtpTime.FromUnixMicroseconds(Start.ToUnixTimeMilliseconds() * 1000), (uint)videoBase);
        recorder.OnSenderReport(MediaKind.Audio, NtpTime.FromUnixMicroseconds(Start.AddSeconds(1).ToUnixTimeMilliseconds() * 1000), (uint)audioBase);

        Feeder.Feed(recorder, time, Start, clips.Vp8, clips.Opus,
            videoOffset: TimeSpan.FromMilliseconds(50), audioOffset: TimeSpan.FromMilliseconds(1250), videoTsBase: videoBase, audioTsBase: audioBase);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.True(info.Audio!.SyncedBySenderReports);
        Assert.Equal(1000, info.Audio.StartOffsetMs is { } o && !fillSilence ? o : 1000);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        using var probe = FfTool.Probe(path);
        var videoStart = FfTool.Seconds(FfTool.Stream(probe, "video"), "start_time");
        if (fillSilence)
        {
            Assert.True(info.Audio.SilenceFramesInserted >= 45, $"silence frames {info.Audio.SilenceFramesInserted}");
            var firstSound = FfTool.FirstLoudAudioSecond(path);
            Assert.InRange(firstSound - videoStart, 0.96, 1.04);
        }
        else
        {
            var audioStart = FfTool.Seconds(FfTool.Stream(probe, "audio"), "start_time");
            Assert.InRange(audioStart - videoStart, 0.96, 1.04);
        }
    }

    [Fact]
    public async Task Video_frames_before_the_first_keyframe_are_dropped_audio_is_kept_and_keyframes_are_requested_at_a_limited_rate()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "kf.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        var requests = 0;
        recorder.KeyFrameNeeded += () => Interlocked.Increment(ref requests);
        Assert.True(recorder.Start(root), recorder.Error);
        Assert.Equal(1, requests); // asked at once

        var video = clips.Vp8.Skip(1).ToList(); // frames 1..29 are deltas, 30 is the next keyframe (~1 s)
        Feeder.Feed(recorder, time, Start, video, clips.Opus);
        Assert.InRange(requests, 2, 4); // 0 s, ~0.5 s, ~1.0 s at most
        var afterKeyFrame = requests;
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(afterKeyFrame, requests);

        var info = await recorder.StopAsync();
        Assert.Equal(29, info.Video!.FramesDroppedBeforeKeyFrame);
        Assert.Equal(0, info.Audio!.FramesDroppedBeforeKeyFrame);
        Assert.Equal(clips.Opus.Count, info.Audio.FramesWritten);
        Assert.Equal(requests, info.KeyFrameRequests);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        Assert.InRange(FfTool.PacketTimes(path, "a:0")[0], 0, 0.001);
        Assert.InRange(FfTool.PacketTimes(path, "v:0")[0], 0.99, 1.01); // the keyframe at 1 s, where it was captured
    }

    [Fact]
    public async Task A_video_gap_drops_deltas_until_the_next_keyframe_and_requests_one()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "gap.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        var requests = 0;
        recorder.KeyFrameNeeded += () => Interlocked.Increment(ref requests);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(45).ToList(), []);
        var before = requests;
        recorder.OnGap(MediaKind.Video);
        Assert.Equal(before + 1, requests);
        Feeder.Feed(recorder, time, Start, clips.Vp8.Skip(50).ToList(), []); // 50..59 deltas dropped, 60 is key

        var info = await recorder.StopAsync();
        Assert.Equal(10, info.Video!.FramesDroppedBeforeKeyFrame);
        Assert.Equal(1, info.Video.Gaps);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
    }

    [Fact]
    public async Task Muted_audio_becomes_opus_silence_with_continuous_timestamps()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "mute.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        var audio = clips.Opus.Where(f => f.Timestamp < 2 * 48_000 || f.Timestamp >= 4 * 48_000).ToList(); // muted 2 s..4 s
        Feeder.Feed(recorder, time, Start, clips.Vp8, audio);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.InRange(info.Audio!.SilenceFramesInserted, 98, 101);
        var audioTimes = FfTool.PacketTimes(path, "a:0");
        Assert.True(Gaps.Largest(audioTimes) <= 0.021, $"largest audio gap {Gaps.Largest(audioTimes)}");
        Assert.InRange(audioTimes[^1], 4.9, 5.0);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
    }

    [Fact]
    public async Task Ice_restart_with_new_timestamps_continues_the_same_file_without_a_gap()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "restart.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(60).ToList(), clips.Opus.Take(100).ToList());
        recorder.OnStreamRestarted(MediaKind.Video);
        recorder.OnStreamRestarted(MediaKind.Audio);
        // After the restart the sender's RTP timestamps start somewhere else entirely.
        Feeder.Feed(recorder, time, Start, clips.Vp8.Skip(60).ToList(), clips.Opus.Skip(100).ToList(), videoTsBase: 900_000_000, audioTsBase: -3_000_000);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        var video = FfTool.PacketTimes(path, "v:0");
        Assert.True(Gaps.Largest(video) < 0.05, $"largest video gap {Gaps.Largest(video)}");
        Assert.InRange(video[^1], 4.8, 5.0);
        Assert.True(Gaps.Largest(FfTool.PacketTimes(path, "a:0")) <= 0.021);
    }

    [Fact]
    public async Task A_sender_timestamp_jump_without_notice_does_not_open_a_hole()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "jump.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(60).ToList(), clips.Opus.Take(100).ToList());
        Feeder.Feed(recorder, time, Start, clips.Vp8.Skip(60).ToList(), clips.Opus.Skip(100).ToList(), videoTsBase: 45_000_000, audioTsBase: 24_000_000);
        var info = await recorder.StopAsync();

        Assert.Equal(1, info.Video!.TimestampJumps);
        Assert.Equal(1, info.Audio!.TimestampJumps);
        using var probe = FfTool.Probe(path);
        Assert.InRange(FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration"), 4.5, 5.5);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
    }

    [Fact]
    public async Task Finalize_is_idempotent_and_bounded_when_ffmpeg_hangs()
    {
        var root = TestClips.NewDirectory();
        // A stand-in FFmpeg that has written a playable file and then hangs instead of finishing it.
        var written = Path.Combine(root, "written.webm");
        FfTool.Make("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "1", "-c:v", "libvpx", "-deadline", "realtime", written);
        var hang = await FakeFfmpeg.WriteAsync(root, "hanging-ffmpeg.sh", $"cp '{written}' \"$out\"\nexec sleep 60");
        var time = new FakeTimeProvider(Start);
        var options = new RecordingOptions { FfmpegPath = hang, FinalizeTimeout = TimeSpan.FromSeconds(1) };
        await using var recorder = new ParticipantRecorder("u1", Path.Combine(root, "hang.webm"), CodecId.Opus, CodecId.Vp8, options, time);
        Assert.True(recorder.Start(root), recorder.Error);
        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(5).ToList(), clips.Opus.Take(5).ToList());

        // Real time is the subject: a real FFmpeg that never exits is killed at FinalizeTimeout.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var first = recorder.StopAsync();
        var second = recorder.StopAsync();
        Assert.Same(first, second);
        var info = await first.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(RecordingStatus.TimedOut, info.Status);
        Assert.Contains("killed", info.Error, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"finalize took {watch.Elapsed}");
        Assert.Equal(recorder.OutputPath, info.File);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(recorder.OutputPath));
    }

    [Fact]
    public async Task Ffmpeg_killed_at_finalize_before_writing_any_media_leaves_no_file_and_says_so()
    {
        var root = TestClips.NewDirectory();
        var hang = await FakeFfmpeg.WriteAsync(root, "hanging-ffmpeg.sh", "exec sleep 60");
        var time = new FakeTimeProvider(Start);
        var options = new RecordingOptions { FfmpegPath = hang, FinalizeTimeout = TimeSpan.FromSeconds(1) };
        await using var recorder = new ParticipantRecorder("u1", Path.Combine(root, "hang.webm"), CodecId.Opus, CodecId.Vp8, options, time);
        Assert.True(recorder.Start(root), recorder.Error);
        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(5).ToList(), clips.Opus.Take(5).ToList());

        var info = await recorder.StopAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // The empty file FFmpeg never wrote to is not a recording that "plays up to its last cluster".
        Assert.Equal(RecordingStatus.Failed, info.Status);
        Assert.Contains("killed before it had written any media; no recording file was kept", info.Error, StringComparison.Ordinal);
        Assert.Null(info.File);
        Assert.False(File.Exists(recorder.OutputPath));
    }

    [Fact]
    public async Task Bad_frames_are_dropped_and_counted_not_thrown()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "bad.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);
        recorder.OnFrame(new EncodedFrame(CodecId.Vp8, ReadOnlyMemory<byte>.Empty, 0, 3000, true));
        recorder.OnFrame(new EncodedFrame(CodecId.H264, new byte[] { 0, 0, 1, 0x65 }, 0, 3000, true));
        recorder.OnFrame(new EncodedFrame(CodecId.Vp8, new byte[] { 0x00, 0x01 }, 0, 3000, true)); // key flag but no header

        Feeder.Feed(recorder, time, Start, clips.Vp8, clips.Opus);
        var info = await recorder.StopAsync();
        Assert.Equal(2, info.Video!.FramesDroppedOther);
        Assert.Equal(1, info.Video.FramesDroppedBeforeKeyFrame);
        Assert.Equal(RecordingStatus.Completed, info.Status);
    }

    [Fact]
    public async Task Audio_only_participant_is_recorded_from_its_first_frame()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "audio" + ParticipantRecorder.ExtensionFor(null));
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, null, new RecordingOptions(), time);
        var requests = 0;
        recorder.KeyFrameNeeded += () => requests++;
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, [], clips.Opus);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.Equal(0, requests);
        Assert.Null(info.Video);
        using var probe = FfTool.Probe(path);
        Assert.Single(probe.RootElement.GetProperty("streams").EnumerateArray());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.InRange(FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration"), TestClips.Seconds - 0.5, TestClips.Seconds + 0.5);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
    }

    [Fact]
    public async Task A_participant_that_sends_neither_audio_nor_a_keyframe_leaves_no_file()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "none.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);
        Feeder.Feed(recorder, time, Start, clips.Vp8.Skip(1).Take(20).ToList(), []);

        var info = await recorder.StopAsync();
        Assert.Equal(RecordingStatus.Empty, info.Status);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Video_starting_3_s_after_audio_leaves_audio_from_0_and_video_from_3_s()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "late-video.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.Vp8, clips.Opus, videoOffset: TimeSpan.FromSeconds(3));
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.False(info.AudioOnly);
        Assert.Equal(0, info.Audio!.StartOffsetMs);
        Assert.Equal(3000, info.Video!.StartOffsetMs);
        Assert.Equal(clips.Opus.Count, info.Audio.FramesWritten);
        Assert.Equal(clips.Vp8.Count, info.Video.FramesWritten);
        using var probe = FfTool.Probe(path);
        Assert.Equal("vp8", FfTool.Stream(probe, "video").GetProperty("codec_name").GetString());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        Assert.InRange(FfTool.PacketTimes(path, "a:0")[0], 0, 0.001);
        Assert.InRange(FfTool.PacketTimes(path, "v:0")[0], 2.999, 3.001);
        Assert.InRange(FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration"), 3 + TestClips.Seconds - 0.5, 3 + TestClips.Seconds + 0.5);
    }

    [Fact]
    public async Task A_participant_without_video_gets_an_audio_only_file()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "camera-off.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, [], clips.Opus);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.True(info.AudioOnly);
        Assert.Equal(clips.Opus.Count, info.Audio!.FramesWritten);
        using var probe = FfTool.Probe(path);
        var streams = probe.RootElement.GetProperty("streams");
        Assert.Equal(1, streams.GetArrayLength());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        Assert.InRange(FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration"), TestClips.Seconds - 0.5, TestClips.Seconds + 0.5);
    }

    [Fact]
    public async Task Video_later_than_the_wait_limit_is_dropped_and_the_file_stays_audio_only()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "too-late.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions { VideoWaitLimit = TimeSpan.FromSeconds(2) }, time);
        var requests = 0;
        recorder.KeyFrameNeeded += () => Interlocked.Increment(ref requests);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.Vp8, clips.Opus, videoOffset: TimeSpan.FromSeconds(3));
        var requestsAfterWait = requests;
        time.Advance(TimeSpan.FromSeconds(3));
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.True(info.AudioOnly);
        Assert.Equal(requestsAfterWait, requests); // no more PLIs for a track the file does not have
        Assert.Equal(clips.Vp8.Count, info.Video!.FramesDroppedOther);
        Assert.Equal(clips.Opus.Count, info.Audio!.FramesWritten);
        using var probe = FfTool.Probe(path);
        Assert.Equal(1, probe.RootElement.GetProperty("streams").GetArrayLength());
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
    }

    [Fact]
    public async Task First_sender_reports_arriving_mid_call_are_slewed_in_without_a_jump_and_converge_on_sync()
    {
        // Both captured from Start; video arrives 50 ms later, audio 200 ms later. Until the SRs come (after 1 s)
        // arrival time puts audio 150 ms late; after them, audio and video must agree, with no jump on the way.
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "late-sr.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);
        var videoDelay = TimeSpan.FromMilliseconds(50);
        var audioDelay = TimeSpan.FromMilliseconds(200);

        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(30).ToList(), clips.Opus.Take(50).ToList(), videoDelay, audioDelay);
        var ntpStart = NtpTime.FromUnixMicroseconds(Start.ToUnixTimeMilliseconds() * 1000);
        recorder.OnSenderReport(MediaKind.Video, ntpStart, 0);
        recorder.OnSenderReport(MediaKind.Audio, ntpStart, 0);
        Feeder.Feed(recorder, time, Start, clips.Vp8.Skip(30).ToList(), clips.Opus.Skip(50).ToList(), videoDelay, audioDelay);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.Equal(-50, info.Video!.LastSyncCorrectionMs, 1);
        Assert.Equal(-200, info.Audio!.LastSyncCorrectionMs, 1);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        var video = FfTool.PacketTimes(path, "v:0");
        var audio = FfTool.PacketTimes(path, "a:0");
        // After the lead-in silence (whole 20 ms frames up to the first audio frame at ~150 ms), no audio gap may open.
        var afterLeadIn = audio.Where(t => t > 0.2).ToList();
        Assert.True(Gaps.Largest(afterLeadIn) <= 0.023, $"audio jumped: largest gap {Gaps.Largest(afterLeadIn)}");
        Assert.True(Gaps.Largest(video) <= 0.035, $"video jumped: largest gap {Gaps.Largest(video)}");
        for (var i = 1; i < audio.Count; i++)
        {
            Assert.True(audio[i] > audio[i - 1], "audio went backwards");
        }

        // Converged: file time minus capture time is the same for both streams at the end (A/V offset ≤ 40 ms).
        var videoLead = video[^1] - clips.Vp8[^1].Timestamp / 90_000.0;
        var audioLead = audio[^1] - clips.Opus[^1].Timestamp / 48_000.0;
        Assert.InRange(audioLead - videoLead, -0.04, 0.04);
    }

    [Theory]
    [InlineData(50, 200)] // audio's path slower: audio must move earlier once the SRs arrive
    [InlineData(60, 20)] // the video keyframe arrives late (paced): audio must move later
    public async Task Audio_timestamps_stay_where_its_samples_play_so_a_sync_correction_inserts_or_drops_frames(int videoDelayMs, int audioDelayMs)
    {
        // Decoders and players play audio samples back to back; a timestamp that is moved without moving samples is
        // invisible to them. The 10-minute sync test measured a constant 46 ms offset this way: the first SRs changed
        // audio's mapping after the first audio frame was written, and slewing only the timestamps left the samples behind.
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "samples.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);
        var videoDelay = TimeSpan.FromMilliseconds(videoDelayMs);
        var audioDelay = TimeSpan.FromMilliseconds(audioDelayMs);

        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(30).ToList(), clips.Opus.Take(50).ToList(), videoDelay, audioDelay);
        var ntpStart = NtpTime.FromUnixMicroseconds(Start.ToUnixTimeMilliseconds() * 1000);
        recorder.OnSenderReport(MediaKind.Video, ntpStart, 0);
        recorder.OnSenderReport(MediaKind.Audio, ntpStart, 0);
        Feeder.Feed(recorder, time, Start, clips.Vp8.Skip(30).ToList(), clips.Opus.Skip(50).ToList(), videoDelay, audioDelay);
        await recorder.StopAsync();

        var video = FfTool.PacketTimes(path, "v:0");
        var audio = FfTool.PacketTimes(path, "a:0");
        for (var i = 1; i < audio.Count; i++)
        {
            Assert.InRange(audio[i] - audio[i - 1], 0.019, 0.021); // timestamps advance exactly as the samples do
        }

        // Where the last audio frame's samples play vs where its capture time says, relative to video: ≤ 15 ms.
        var videoLead = video[^1] - clips.Vp8[^1].Timestamp / 90_000.0;
        var audioLead = audio[^1] - clips.Opus[^1].Timestamp / 48_000.0;
        Assert.InRange(audioLead - videoLead, -0.016, 0.016);
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
    }

    [Fact]
    public async Task Variable_rate_video_with_colliding_and_backward_timestamps_gets_strictly_increasing_blocks_and_decodes_quietly()
    {
        // A browser's video: 20-40 fps with jitter (90 kHz → ms rounding can make two frames 1 ms apart), two frames on
        // one RTP timestamp and one that went backwards (a frame recovered after a NACK). Every block of a track must be
        // strictly later than the one before, and the plain decode must print nothing.
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "vfr.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        int[] intervalsMs = [49, 24, 49, 26, 37, 41, 33, 45, 29, 1, 0, 50];
        var video = new List<EncodedFrame>(clips.Vp8.Count);
        long ts = 0;
        for (var i = 0; i < clips.Vp8.Count; i++)
        {
            video.Add(clips.Vp8[i] with { Timestamp = ts });
            ts += intervalsMs[i % intervalsMs.Length] * 90;
            if (i == 40)
            {
                ts -= 20 * 90; // the next frame carries an older timestamp than this one
            }
        }

        Feeder.Feed(recorder, time, Start, video, clips.Opus);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        Assert.Equal(video.Count, info.Video!.FramesWritten);
        var times = FfTool.PacketTimes(path, "v:0");
        Assert.Equal(video.Count, times.Count);
        for (var i = 1; i < times.Count; i++)
        {
            Assert.True(times[i] - times[i - 1] >= 0.0019, $"video block {i} at {times[i]} s is not 2 ms after {times[i - 1]} s");
        }

        // The declared 2 ms grid is what a decode to another muxer rounds to (not a guessed 20-30 fps).
        using var probe = FfTool.Probe(path);
        Assert.Equal("500/1", FfTool.Stream(probe, "video").GetProperty("r_frame_rate").GetString());
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
    }
}
