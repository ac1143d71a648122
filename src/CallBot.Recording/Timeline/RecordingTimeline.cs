using System.Buffers;
using CallBot.Abstractions;
using CallBot.Recording.Mkv;
using CallBot.Recording.Sync;

namespace CallBot.Recording.Timeline;

/// <summary>
/// The A/V timeline policy of one participant's recording, with no process and no I/O: frames and RTCP sender reports
/// in (arrival time from the <see cref="TimeProvider"/>), decisions out to an <see cref="ITimelineOutput"/> — when the
/// file starts (first video keyframe, or audio-only after <see cref="RecordingOptions.VideoWaitLimit"/>), where each frame
/// lands in milliseconds, where Opus silence fills a gap, what is dropped and why, when a keyframe must be requested.
/// Not thread-safe: the <see cref="ParticipantRecorder"/> calls it under its lock.
/// </summary>
internal sealed class RecordingTimeline
{
    private const long MicrosPerMs = 1000;

    /// <summary>Audio silent this long behind video is filled with silence even before audio resumes.</summary>
    private const long AudioStallFillMs = 1000;

    /// <summary>…up to this far behind the video, so a late audio frame still finds its place.</summary>
    private const long AudioStallFillLagMs = 500;

    /// <summary>
    /// With silence fill, audio is written sample-continuous; when a frame's synchronized time differs from where its
    /// samples land by this much, a 20 ms silence frame is inserted (audio late) or the frame is dropped (audio early).
    /// The remaining A/V error stays within ±15 ms (plus whatever a stream's SR says).
    /// </summary>
    private const long AudioRealignMs = 15;

    /// <summary>
    /// Audio follows a sync correction at up to half the media time passing (60 ms in 120 ms): audio is sample-continuous,
    /// so following it means dropping or inserting whole 20 ms frames — a few at once at the start of a call, not a glide.
    /// </summary>
    private const double AudioSlewFraction = 0.5;

    /// <summary>
    /// Audio's first frames are held this long (arrival time) before they are placed, also once video started the file.
    /// Before the first SR each stream is mapped from arrivals, and frames queued while SRTP came up arrive in a burst:
    /// the first one maps as late as the burst, and the anchor comes right only as the next (earlier-due) frames arrive.
    /// Audio is sample-continuous, so a first frame placed on that late mapping stays late (one or two 20 ms silence
    /// frames before it) until a later drop realigns it: the sync test's first beep read 26 or 46 ms after its flash.
    /// </summary>
    private const long AudioStartSettleUs = 100_000;

    private readonly RecordingOptions _options;
    private readonly TimeProvider _time;
    private readonly RecordingMetrics? _metrics;
    private readonly CodecId? _audioCodec;
    private readonly CodecId? _videoCodec;
    private readonly StreamClock _audioClock;
    private readonly StreamClock _videoClock;
    private readonly StreamStats _audioStats = new();
    private readonly StreamStats _videoStats = new();
    private readonly HeldAudio _heldAudio = new();
    private readonly KeyFrameRequestLimiter _keyFrameRequests;

    private bool _headerWritten;
    private bool _hasVideoTrack;
    private long _originUs;
    private long _lastVideoMs = -1;
    private long _lastAudioMs = -1;
    private long _audioNextMs;

    public RecordingTimeline(CodecId? audioCodec, CodecId? videoCodec, RecordingOptions options, TimeProvider timeProvider, RecordingMetrics? metrics = null)
    {
        if (audioCodec is null && videoCodec is null)
        {
            throw new ArgumentException("A recording needs at least one stream.", nameof(audioCodec));
        }

        if (audioCodec is { } a && a.Kind() != MediaKind.Audio)
        {
            throw new ArgumentException("Not an audio codec.", nameof(audioCodec));
        }

        if (videoCodec is { } v && v.Kind() != MediaKind.Video)
        {
            throw new ArgumentException("Not a video codec.", nameof(videoCodec));
        }

        _audioCodec = audioCodec;
        _videoCodec = videoCodec;
        _options = options;
        _time = timeProvider;
        _metrics = metrics;
        _keyFrameRequests = new KeyFrameRequestLimiter(timeProvider, options.KeyFrameRequestInterval, metrics);
        var jumpUs = (long)options.TimestampJumpThreshold.TotalMicroseconds;
        _audioClock = new StreamClock(CodecId.Opus.ClockRate(), jumpUs, AudioSlewFraction);
        _videoClock = new StreamClock(90_000, jumpUs, slew: false);
        _audioStats.Codec = audioCodec?.EncodingName() ?? string.Empty;
        _videoStats.Codec = videoCodec?.EncodingName() ?? string.Empty;
        WaitingForKeyFrame = videoCodec is not null;
    }

    /// <summary>True while video frames are dropped until a keyframe (the recorder runs its keyframe-request timer meanwhile).</summary>
    public bool WaitingForKeyFrame { get; private set; }

    /// <summary>The file has started (its header was written).</summary>
    public bool Started => _headerWritten;

    /// <summary>The file started without a video track (no keyframe within the video wait).</summary>
    public bool AudioOnly => _headerWritten && !_hasVideoTrack;

    /// <summary>Wall-clock time of the file's 0 ms, once started.</summary>
    public DateTimeOffset? OriginUtc => _headerWritten ? DateTimeOffset.FromUnixTimeMilliseconds(_originUs / MicrosPerMs) : null;

    /// <summary>Length of the file's timeline so far (the later of the last video frame and the end of the audio).</summary>
    public long DurationMs => Math.Max(_lastVideoMs, _audioNextMs);

    /// <summary>Frames written (silence not counted): zero at the end means an empty recording.</summary>
    public long FramesWritten { get; private set; }

    public long KeyFrameRequests => _keyFrameRequests.Requests;

    /// <summary>Audio frames held while waiting for the first video keyframe or for the audio's start to settle.</summary>
    public int HeldAudioFrames => _heldAudio.Count;

    public StreamStats? AudioStats => _audioCodec is null ? null : _audioStats.Snapshot(_audioClock);

    public StreamStats? VideoStats => _videoCodec is null ? null : _videoStats.Snapshot(_videoClock);

    /// <summary>Places one frame. Returns true when a keyframe should be requested from the sender now.</summary>
    public bool OnFrame(in EncodedFrame frame, ITimelineOutput output)
    {
        var kind = frame.Codec.Kind();
        var stats = kind == MediaKind.Audio ? _audioStats : _videoStats;
        stats.FramesReceived++;
        stats.BytesReceived += frame.Data.Length;
        if (frame.Codec != (kind == MediaKind.Audio ? _audioCodec : _videoCodec) || frame.Data.IsEmpty)
        {
            Drop(stats, DropReason.Other);
            return false;
        }

        var arrivalUs = _time.GetUtcNow().ToUnixTimeMilliseconds() * MicrosPerMs;
        if (kind == MediaKind.Video)
        {
            var request = OnVideoFrame(frame, _videoClock.ToWallMicroseconds(frame.Timestamp, arrivalUs), arrivalUs, output);
            EndAudioSettle(arrivalUs, output);
            return request;
        }

        _audioClock.TargetOffsetUs = _videoCodec is null ? 0 : _videoClock.PendingOffsetUs;
        OnAudioFrame(frame, _audioClock.ToWallMicroseconds(frame.Timestamp, arrivalUs), arrivalUs, output);
        return false;
    }

    /// <summary>
    /// The RTP layer gave up on some frames. When <paramref name="canRequestKeyFrame"/> (the recording runs), video waits
    /// for a keyframe again; returns true when one should be requested now.
    /// </summary>
    public bool OnGap(MediaKind kind, bool canRequestKeyFrame)
    {
        if (kind == MediaKind.Audio)
        {
            _audioStats.Gaps++;
            return false;
        }

        _videoStats.Gaps++;
        return canRequestKeyFrame && BeginWaitingForKeyFrame();
    }

    /// <summary>An RTCP sender report for this stream: NTP wall time ↔ 32-bit RTP timestamp (RFC 3550 §6.4.1).</summary>
    public void OnSenderReport(MediaKind kind, ulong ntpTimestamp, uint rtpTimestamp)
    {
        (kind == MediaKind.Audio ? _audioClock : _videoClock).OnSenderReport(ntpTimestamp, rtpTimestamp);
        (kind == MediaKind.Audio ? _audioStats : _videoStats).SenderReports++;
    }

    /// <summary>The stream's RTP timeline restarted: the same file continues. Video waits for a keyframe as after a gap.</summary>
    public bool OnStreamRestarted(MediaKind kind, bool canRequestKeyFrame)
    {
        if (kind == MediaKind.Audio)
        {
            _audioClock.Restart();
            _audioStats.Restarts++;
            return false;
        }

        _videoClock.Restart();
        _videoStats.Restarts++;
        return canRequestKeyFrame && BeginWaitingForKeyFrame();
    }

    /// <summary>The keyframe-request timer fired: true when a request is due (still waiting, and the rate limit allows it).</summary>
    public bool OnKeyFrameTimer() => WaitingForKeyFrame && TryRequestKeyFrame();

    /// <summary>
    /// The recording ends. Audio that came without any video keyframe still makes an audio-only file, audio still settling
    /// is written (when <paramref name="output"/> is given); whatever is held after that is released.
    /// </summary>
    public void Finish(ITimelineOutput? output)
    {
        if (output is not null && _heldAudio.Count > 0)
        {
            if (_headerWritten)
            {
                FlushHeldAudio(output);
            }
            else
            {
                StartAudioOnly(output);
            }
        }

        ReleaseHeldAudio();
    }

    /// <summary>Returns the held audio to the pool (counted as dropped before the keyframe: the file had no audio yet).</summary>
    public void ReleaseHeldAudio() => _audioStats.FramesDroppedBeforeKeyFrame += _heldAudio.Release();

    private bool OnVideoFrame(in EncodedFrame frame, long wallUs, long arrivalUs, ITimelineOutput output)
    {
        if (AudioOnly)
        {
            // The file was started audio-only (no keyframe in time); Matroska cannot add a track later.
            Drop(_videoStats, DropReason.Other);
            return false;
        }

        if (WaitingForKeyFrame)
        {
            if (!frame.IsKeyFrame)
            {
                _videoStats.FramesDroppedBeforeKeyFrame++;
                _metrics?.FrameDropped();
                return TryRequestKeyFrame();
            }

            if (!_headerWritten)
            {
                var originUs = _heldAudio.Count > 0 ? Math.Min(HeldAudioStartUs(), wallUs) : wallUs;
                if (!TryStart(frame, originUs, withVideo: true, output))
                {
                    _videoStats.FramesDroppedBeforeKeyFrame++;
                    return TryRequestKeyFrame();
                }

                EndAudioSettle(arrivalUs, output); // held audio that has settled goes first
            }

            WaitingForKeyFrame = false;
        }

        var ms = ToFileMs(wallUs);
        if (ms < 0)
        {
            Drop(_videoStats, DropReason.Late);
            return BeginWaitingForKeyFrame();
        }

        // Strictly increasing, at least one declared video tick apart (see MatroskaLiveWriter.VideoTickMs): RTP → ms
        // rounding, two frames on one RTP timestamp, or a frame recovered late must never repeat or reverse a timestamp.
        ms = _lastVideoMs < 0 ? ms : Math.Max(ms, _lastVideoMs + MatroskaLiveWriter.VideoTickMs);
        if (!Counted(output.WriteVideo(frame, ms), _videoStats))
        {
            return BeginWaitingForKeyFrame();
        }

        _videoStats.StartOffsetMs ??= ms;
        _lastVideoMs = ms;
        FillAudioBehindVideo(ms, output);
        return false;
    }

    private void OnAudioFrame(in EncodedFrame frame, long wallUs, long arrivalUs, ITimelineOutput output)
    {
        if (!_headerWritten)
        {
            if (_videoCodec is not null)
            {
                _heldAudio.Hold(frame, FrameDurationMs(frame), wallUs, arrivalUs);
                if (VideoWaitIsOver() && !StartAudioOnly(output))
                {
                    Drop(_audioStats, DropReason.Other);
                }

                return;
            }
            else if (!TryStart(frame, wallUs, withVideo: false, output))
            {
                return;
            }
        }
        else if (_videoCodec is not null && _lastAudioMs < 0)
        {
            // Video started the file; audio's first frames wait until their mapping has settled (AudioStartSettleUs).
            _heldAudio.Hold(frame, FrameDurationMs(frame), wallUs, arrivalUs);
            EndAudioSettle(arrivalUs, output);
            return;
        }

        var data = frame.Data.Span;
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        WriteAudio(buffer, data.Length, FrameDurationMs(frame), wallUs, output);
    }

    /// <summary>Writes one audio frame (taking ownership of the pooled <paramref name="buffer"/>) at its place on the timeline.</summary>
    private void WriteAudio(byte[] buffer, int length, long durationMs, long wallUs, ITimelineOutput output)
    {
        var targetMs = ToFileMs(wallUs);
        long ms;
        if (!_options.FillAudioGapsWithSilence)
        {
            // Without silence fill, audio frames keep their synchronized timestamps and gaps stay gaps.
            if (targetMs < 0 || targetMs + durationMs <= _audioNextMs - OpusSilence.FrameDurationMs)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Drop(_audioStats, DropReason.Late);
                return;
            }

            ms = Math.Max(targetMs, _lastAudioMs + 1);
        }
        else
        {
            // Sample-continuous audio: players and decoders play audio samples back to back and ignore small timestamp
            // gaps or overlaps, so the file timestamp of a frame must be where its samples really land (the end of the
            // audio written so far). Sync is kept by inserting silence when the frame's synchronized time is ahead of
            // that and dropping the frame when it is behind, each by at least AudioRealignMs.
            if (targetMs - _audioNextMs <= -AudioRealignMs)
            {
                // Before the first written frame, inside silence already written for a stall, or audio ahead of sync.
                ArrayPool<byte>.Shared.Return(buffer);
                Drop(_audioStats, DropReason.Late);
                return;
            }

            while (targetMs - _audioNextMs >= AudioRealignMs)
            {
                if (!TryWriteSilence(output))
                {
                    break;
                }
            }

            ms = Math.Max(_audioNextMs, _lastAudioMs + 1);
        }

        if (Counted(output.WriteAudio(buffer, length, ms), _audioStats))
        {
            _audioStats.StartOffsetMs ??= ms;
            _lastAudioMs = ms;
            _audioNextMs = Math.Max(_audioNextMs, ms + durationMs);
        }
    }

    /// <summary>True once <see cref="RecordingOptions.VideoWaitLimit"/> of audio is held (or the hold is full).</summary>
    private bool VideoWaitIsOver() => _heldAudio.IsFull || _heldAudio.WallSpanUs >= (long)_options.VideoWaitLimit.TotalMicroseconds;

    /// <summary>Starts the file without a video track and writes the held audio; false (held audio released) on failure.</summary>
    private bool StartAudioOnly(ITimelineOutput output)
    {
        if (_heldAudio.Count == 0 || !TryStart(default, HeldAudioStartUs(), withVideo: false, output))
        {
            ReleaseHeldAudio();
            return false;
        }

        WaitingForKeyFrame = false;
        FlushHeldAudio(output);
        return true;
    }

    /// <summary>Writes the held audio once the file has started and the audio's start has settled (or the hold is full).</summary>
    private void EndAudioSettle(long arrivalUs, ITimelineOutput output)
    {
        if (_headerWritten && _heldAudio.Count > 0 && (_heldAudio.IsFull || arrivalUs - _heldAudio.FirstArrivalUs >= AudioStartSettleUs))
        {
            FlushHeldAudio(output);
        }
    }

    /// <summary>
    /// Where the first held audio frame lands now. No audio has been written, so nothing needs to stay continuous: the audio
    /// clock takes video's offset at once instead of slewing to it, and the frame is placed by the mapping as it is now.
    /// </summary>
    private long HeldAudioStartUs()
    {
        _audioClock.TargetOffsetUs = _videoCodec is null ? 0 : _videoClock.PendingOffsetUs;
        _audioClock.JumpToTarget();
        return HeldAudio.PlaceUs(_heldAudio.Frames[0], _audioClock);
    }

    /// <summary>Writes every held audio frame (its first one being the audio's first) where the audio clock maps it now.</summary>
    private void FlushHeldAudio(ITimelineOutput output)
    {
        HeldAudioStartUs();
        foreach (var held in _heldAudio.Frames)
        {
            WriteAudio(held.Buffer, held.Length, held.DurationMs, HeldAudio.PlaceUs(held, _audioClock), output);
        }

        _heldAudio.Clear();
    }

    private static long FrameDurationMs(in EncodedFrame frame) =>
        frame.Duration > 0 ? frame.Duration * 1000L / frame.Codec.ClockRate() : OpusSilence.FrameDurationMs;

    private void FillAudioBehindVideo(long videoMs, ITimelineOutput output)
    {
        if (_audioCodec is null || !_options.FillAudioGapsWithSilence || _lastAudioMs < 0 || videoMs - _audioNextMs < AudioStallFillMs)
        {
            return;
        }

        // 20 ms silence frames from the end of the last audio frame up to AudioStallFillLagMs behind the video.
        var untilMs = videoMs - AudioStallFillLagMs;
        while (_audioNextMs + OpusSilence.FrameDurationMs <= untilMs)
        {
            if (!TryWriteSilence(output))
            {
                break;
            }
        }
    }

    /// <summary>One 20 ms Opus silence frame at the end of the audio written so far.</summary>
    private bool TryWriteSilence(ITimelineOutput output)
    {
        var ms = Math.Max(_audioNextMs, _lastAudioMs + 1);
        if (output.WriteSilence(ms) != TimelineWrite.Written)
        {
            _audioStats.FramesDroppedQueueFull++;
            return false;
        }

        _audioStats.SilenceFramesInserted++;
        _audioStats.StartOffsetMs ??= ms;
        _lastAudioMs = ms;
        _audioNextMs = ms + OpusSilence.FrameDurationMs;
        return true;
    }

    private long ToFileMs(long wallUs) => (long)Math.Round((wallUs - _originUs) / (double)MicrosPerMs, MidpointRounding.AwayFromZero);

    private bool TryStart(in EncodedFrame keyFrame, long originUs, bool withVideo, ITimelineOutput output)
    {
        if (output.WriteHeader(keyFrame, withVideo) != TimelineWrite.Written)
        {
            return false;
        }

        _originUs = originUs;
        _headerWritten = true;
        _hasVideoTrack = withVideo;
        return true;
    }

    /// <summary>Counts a frame write: written, or dropped with its reason.</summary>
    private bool Counted(TimelineWrite result, StreamStats stats)
    {
        if (result != TimelineWrite.Written)
        {
            Drop(stats, result == TimelineWrite.QueueFull ? DropReason.QueueFull : DropReason.Other);
            return false;
        }

        stats.FramesWritten++;
        FramesWritten++;
        _metrics?.FramesWritten(1);
        return true;
    }

    private void Drop(StreamStats stats, DropReason reason)
    {
        _ = reason switch
        {
            DropReason.Late => stats.FramesDroppedLate++,
            DropReason.QueueFull => stats.FramesDroppedQueueFull++,
            _ => stats.FramesDroppedOther++,
        };
        _metrics?.FrameDropped();
    }

    private bool BeginWaitingForKeyFrame()
    {
        if (_videoCodec is null || AudioOnly)
        {
            return false;
        }

        WaitingForKeyFrame = true;
        return TryRequestKeyFrame();
    }

    private bool TryRequestKeyFrame() => _keyFrameRequests.TryRequest();

    private enum DropReason
    {
        Other,
        Late,
        QueueFull,
    }
}
