using System.Buffers;
using System.Globalization;
using CallBot.Abstractions;
using CallBot.Recording.Ffmpeg;
using CallBot.Recording.Mkv;
using CallBot.Recording.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Recording;

/// <summary>The per-frame path: keyframe gate, timeline, silence fill, queueing.</summary>
public sealed partial class ParticipantRecorder
{
    private bool OnVideoFrameLocked(in EncodedFrame frame, long wallUs)
    {
        if (_headerWritten && !_hasVideoTrack)
        {
            // The file was started audio-only (no keyframe in time); Matroska cannot add a track later.
            Drop(_videoStats, DropReason.Other);
            return false;
        }

        if (_waitingForKeyFrame)
        {
            if (!frame.IsKeyFrame)
            {
                _videoStats.FramesDroppedBeforeKeyFrame++;
                _metrics?.FrameDropped();
                return TryRequestKeyFrameLocked();
            }

            if (!_headerWritten)
            {
                var originUs = _pendingAudio.Count > 0 ? Math.Min(_pendingAudio[0].WallUs, wallUs) : wallUs;
                if (!TryWriteHeaderLocked(frame, originUs, withVideo: true))
                {
                    _videoStats.FramesDroppedBeforeKeyFrame++;
                    return TryRequestKeyFrameLocked();
                }

                FlushPendingAudioLocked();
            }

            _waitingForKeyFrame = false;
            _keyFrameTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        var ms = ToFileMs(wallUs);
        if (ms < 0)
        {
            Drop(_videoStats, DropReason.Late);
            return BeginWaitingForKeyFrameLocked();
        }

        // Strictly increasing, at least one declared video tick apart (see MatroskaLiveWriter.VideoTickMs): RTP → ms
        // rounding, two frames on one RTP timestamp, or a frame recovered late must never repeat or reverse a timestamp.
        ms = _lastVideoMs < 0 ? ms : Math.Max(ms, _lastVideoMs + MatroskaLiveWriter.VideoTickMs);
        if (!EnqueueFrameLocked(frame, VideoTrackNumber, ms, _videoStats))
        {
            return BeginWaitingForKeyFrameLocked();
        }

        _videoStats.StartOffsetMs ??= ms;
        _lastVideoMs = ms;
        FillAudioBehindVideoLocked(ms);
        return false;
    }

    private void OnAudioFrameLocked(in EncodedFrame frame, long wallUs)
    {
        if (!_headerWritten)
        {
            if (_videoCodec is not null)
            {
                HoldAudioLocked(frame, wallUs);
                if (VideoWaitIsOverLocked() && !StartAudioOnlyLocked())
                {
                    Drop(_audioStats, DropReason.Other);
                }

                return;
            }
            else if (!TryWriteHeaderLocked(frame, wallUs, withVideo: false))
            {
                return;
            }
        }

        var data = frame.Data.Span;
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        WriteAudioLocked(buffer, data.Length, DurationMs(frame), wallUs);
    }

    /// <summary>Writes one audio frame (taking ownership of the pooled <paramref name="buffer"/>) at its place on the timeline.</summary>
    private void WriteAudioLocked(byte[] buffer, int length, long durationMs, long wallUs)
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
                if (!TryEnqueueSilenceLocked())
                {
                    break;
                }
            }

            ms = Math.Max(_audioNextMs, _lastAudioMs + 1);
        }

        if (EnqueueOwnedLocked(buffer, length, AudioTrackNumber, ms, true, _audioStats))
        {
            _audioStats.StartOffsetMs ??= ms;
            _lastAudioMs = ms;
            _audioNextMs = Math.Max(_audioNextMs, ms + durationMs);
        }
    }

    /// <summary>Before the first video keyframe, audio is held (copied to pooled buffers) so the file can start with it.</summary>
    private void HoldAudioLocked(in EncodedFrame frame, long wallUs)
    {
        var data = frame.Data.Span;
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        _pendingAudio.Add(new PendingAudio(buffer, data.Length, DurationMs(frame), wallUs));
    }

    /// <summary>True once <see cref="RecordingOptions.VideoWaitLimit"/> of audio is held (or the hold is full).</summary>
    private bool VideoWaitIsOverLocked() =>
        _pendingAudio.Count >= MaxPendingAudioFrames
        || _pendingAudio[^1].WallUs - _pendingAudio[0].WallUs >= (long)_options.VideoWaitLimit.TotalMicroseconds;

    /// <summary>Starts the file without a video track and writes the held audio; false (held audio released) on failure.</summary>
    private bool StartAudioOnlyLocked()
    {
        if (_pendingAudio.Count == 0 || !TryWriteHeaderLocked(default, _pendingAudio[0].WallUs, withVideo: false))
        {
            ReleasePendingAudioLocked();
            return false;
        }

        _waitingForKeyFrame = false;
        _keyFrameTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        FlushPendingAudioLocked();
        return true;
    }

    private void FlushPendingAudioLocked()
    {
        foreach (var held in _pendingAudio)
        {
            WriteAudioLocked(held.Buffer, held.Length, held.DurationMs, held.WallUs);
        }

        _pendingAudio.Clear();
    }

    private void ReleasePendingAudioLocked()
    {
        foreach (var held in _pendingAudio)
        {
            ArrayPool<byte>.Shared.Return(held.Buffer);
        }

        _audioStats.FramesDroppedBeforeKeyFrame += _pendingAudio.Count;
        _pendingAudio.Clear();
    }

    private static long DurationMs(in EncodedFrame frame) =>
        frame.Duration > 0 ? frame.Duration * 1000L / frame.Codec.ClockRate() : OpusSilence.FrameDurationMs;

    private void FillAudioBehindVideoLocked(long videoMs)
    {
        if (_audioCodec is null || !_options.FillAudioGapsWithSilence || _lastAudioMs < 0 || videoMs - _audioNextMs < AudioStallFillMs)
        {
            return;
        }

        FillSilenceLocked(videoMs - AudioStallFillLagMs);
    }

    /// <summary>Writes 20 ms silence frames from the end of the last audio frame up to <paramref name="untilMs"/>.</summary>
    private void FillSilenceLocked(long untilMs)
    {
        if (untilMs - _audioNextMs < 2 * OpusSilence.FrameDurationMs)
        {
            return;
        }

        while (_audioNextMs + OpusSilence.FrameDurationMs <= untilMs)
        {
            if (!TryEnqueueSilenceLocked())
            {
                break;
            }
        }
    }

    /// <summary>One 20 ms Opus silence frame at the end of the audio written so far.</summary>
    private bool TryEnqueueSilenceLocked()
    {
        var silence = OpusSilence.For(_options.AudioChannels);
        var buffer = ArrayPool<byte>.Shared.Rent(silence.Length);
        silence.CopyTo(buffer);
        var ms = Math.Max(_audioNextMs, _lastAudioMs + 1);
        if (!_pipe!.TryEnqueue(new MuxItem(buffer, silence.Length, AudioTrackNumber, ms, true, false, true)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
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

    private bool TryWriteHeaderLocked(in EncodedFrame first, long originUs, bool withVideo)
    {
        var tracks = new List<MkvTrack>(2);
        if (withVideo && _videoCodec is { } video)
        {
            // CodecPrivate is codec-specific: the codec table names the codec, the bitstream tells the rest.
            switch (video)
            {
                case CodecId.Vp8:
                    if (!Vp8KeyFrame.TryReadSize(first.Data.Span, out var width, out var height))
                    {
                        return false;
                    }

                    tracks.Add(new MkvTrack(VideoTrackNumber, video, [], width, height));
                    break;
                case CodecId.H264:
                    if (!AnnexB.TryBuildAvcConfig(first.Data.Span, out var avcC))
                    {
                        return false;
                    }

                    tracks.Add(new MkvTrack(VideoTrackNumber, video, avcC));
                    break;
                default:
                    throw new UnknownCodecException(video.ToString());
            }
        }

        if (_audioCodec is { } audio)
        {
            tracks.Add(new MkvTrack(AudioTrackNumber, audio, OpusHead.Build(_options.AudioChannels), Channels: _options.AudioChannels));
        }

        var writer = new EbmlWriter(512);
        MatroskaLiveWriter.WriteHeader(writer, tracks, webm: IsWebM(_videoCodec));
        var header = writer.Written.ToArray();
        if (!_pipe!.TryEnqueue(new MuxItem(header, header.Length, 0, 0, false, true, false)))
        {
            return false;
        }

        _originUs = originUs;
        _headerWritten = true;
        _hasVideoTrack = withVideo;
        return true;
    }

    private bool EnqueueFrameLocked(in EncodedFrame frame, int track, long ms, StreamStats stats)
    {
        var data = frame.Data.Span;
        byte[] buffer;
        int length;
        if (frame.Codec == CodecId.H264)
        {
            buffer = ArrayPool<byte>.Shared.Rent(AnnexB.MaxConvertedLength(data.Length));
            length = AnnexB.ConvertToLengthPrefixed(data, buffer);
            if (length <= 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Drop(stats, DropReason.Other);
                return false;
            }
        }
        else
        {
            buffer = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(buffer);
            length = data.Length;
        }

        return EnqueueOwnedLocked(buffer, length, track, ms, frame.IsKeyFrame, stats);
    }

    /// <summary>Queues a frame already in a pooled buffer (ownership passes to the pipe, or back to the pool on failure).</summary>
    private bool EnqueueOwnedLocked(byte[] buffer, int length, int track, long ms, bool keyFrame, StreamStats stats)
    {
        if (!_pipe!.TryEnqueue(new MuxItem(buffer, length, track, ms, keyFrame, false, true)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Drop(stats, DropReason.QueueFull);
            return false;
        }

        stats.FramesWritten++;
        _framesWritten++;
        _metrics?.FramesWritten(1);
        return true;
    }

    private void Drop(StreamStats stats, DropReason reason)
    {
        switch (reason)
        {
            case DropReason.Late:
                stats.FramesDroppedLate++;
                break;
            case DropReason.QueueFull:
                stats.FramesDroppedQueueFull++;
                break;
            default:
                stats.FramesDroppedOther++;
                break;
        }

        _metrics?.FrameDropped();
    }

    private bool BeginWaitingForKeyFrameLocked()
    {
        if (_videoCodec is null || _status != RecordingStatus.Recording || (_headerWritten && !_hasVideoTrack))
        {
            return false;
        }

        if (!_waitingForKeyFrame)
        {
            _waitingForKeyFrame = true;
            _keyFrameTimer?.Change(_options.KeyFrameRequestInterval, _options.KeyFrameRequestInterval);
        }

        return TryRequestKeyFrameLocked();
    }

    private bool TryRequestKeyFrameLocked()
    {
        var now = _time.GetTimestamp();
        var interval = (long)(_options.KeyFrameRequestInterval.TotalSeconds * _time.TimestampFrequency);
        if (_lastKeyFrameRequestTicks != long.MinValue && now - _lastKeyFrameRequestTicks < interval)
        {
            return false;
        }

        _lastKeyFrameRequestTicks = now;
        _keyFrameRequests++;
        _metrics?.KeyFrameRequested();
        return true;
    }

    private void OnKeyFrameTimer()
    {
        bool request;
        lock (_gate)
        {
            request = _waitingForKeyFrame && _status == RecordingStatus.Recording && TryRequestKeyFrameLocked();
        }

        if (request)
        {
            KeyFrameNeeded?.Invoke();
        }
    }

    private readonly record struct PendingAudio(byte[] Buffer, int Length, long DurationMs, long WallUs);

    private enum DropReason
    {
        Other,
        Late,
        QueueFull,
    }
}
