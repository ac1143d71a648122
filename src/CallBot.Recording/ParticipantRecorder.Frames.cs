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
        if (_waitingForKeyFrame)
        {
            if (!frame.IsKeyFrame)
            {
                _videoStats.FramesDroppedBeforeKeyFrame++;
                _metrics?.FrameDropped();
                return TryRequestKeyFrameLocked();
            }

            if (!_headerWritten && !TryWriteHeaderLocked(frame, wallUs))
            {
                _videoStats.FramesDroppedBeforeKeyFrame++;
                return TryRequestKeyFrameLocked();
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

        ms = Math.Max(ms, _lastVideoMs + 1);
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
                _audioStats.FramesDroppedBeforeKeyFrame++;
                _metrics?.FrameDropped();
                return;
            }

            if (!TryWriteHeaderLocked(frame, wallUs))
            {
                return;
            }
        }

        var targetMs = ToFileMs(wallUs);
        if (!_options.FillAudioGapsWithSilence)
        {
            WriteAudioAtTimestampLocked(frame, targetMs);
            return;
        }

        // Sample-continuous audio: players and decoders play audio samples back to back and ignore small timestamp
        // gaps or overlaps, so the file timestamp of a frame must be where its samples really land (the end of the audio
        // written so far). Sync is kept by inserting silence when the frame's synchronized time is ahead of that and
        // dropping the frame when it is behind, each by more than AudioRealignMs.
        var driftMs = targetMs - _audioNextMs;
        if (driftMs <= -AudioRealignMs)
        {
            // Before the first written frame, inside silence already written for a stall, or audio ahead of sync.
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

        var ms = Math.Max(_audioNextMs, _lastAudioMs + 1);
        if (EnqueueFrameLocked(frame, AudioTrackNumber, ms, _audioStats))
        {
            _audioStats.StartOffsetMs ??= ms;
            _lastAudioMs = ms;
            _audioNextMs = ms + DurationMs(frame);
        }
    }

    /// <summary>Without silence fill, audio frames keep their synchronized timestamps and gaps stay gaps.</summary>
    private void WriteAudioAtTimestampLocked(in EncodedFrame frame, long ms)
    {
        if (ms < 0 || ms + DurationMs(frame) <= _audioNextMs - OpusSilence.FrameDurationMs)
        {
            Drop(_audioStats, DropReason.Late);
            return;
        }

        ms = Math.Max(ms, _lastAudioMs + 1);
        if (EnqueueFrameLocked(frame, AudioTrackNumber, ms, _audioStats))
        {
            _audioStats.StartOffsetMs ??= ms;
            _lastAudioMs = ms;
            _audioNextMs = Math.Max(_audioNextMs, ms + DurationMs(frame));
        }
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

    private bool TryWriteHeaderLocked(in EncodedFrame first, long wallUs)
    {
        var tracks = new List<MkvTrack>(2);
        if (_videoCodec is { } video)
        {
            if (video == CodecId.Vp8)
            {
                if (!Vp8KeyFrame.TryReadSize(first.Data.Span, out var width, out var height))
                {
                    return false;
                }

                tracks.Add(new MkvTrack(VideoTrackNumber, video, [], width, height));
            }
            else
            {
                if (!AnnexB.TryBuildAvcConfig(first.Data.Span, out var avcC))
                {
                    return false;
                }

                tracks.Add(new MkvTrack(VideoTrackNumber, video, avcC));
            }
        }

        if (_audioCodec is { } audio)
        {
            tracks.Add(new MkvTrack(AudioTrackNumber, audio, OpusHead.Build(_options.AudioChannels), Channels: _options.AudioChannels));
        }

        var writer = new EbmlWriter(512);
        MatroskaLiveWriter.WriteHeader(writer, tracks, webm: _videoCodec != CodecId.H264);
        var header = writer.Written.ToArray();
        if (!_pipe!.TryEnqueue(new MuxItem(header, header.Length, 0, 0, false, true, false)))
        {
            return false;
        }

        _originUs = wallUs;
        _headerWritten = true;
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

        if (!_pipe!.TryEnqueue(new MuxItem(buffer, length, track, ms, frame.IsKeyFrame, false, true)))
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
        if (_videoCodec is null || _status != RecordingStatus.Recording)
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

    private enum DropReason
    {
        Other,
        Late,
        QueueFull,
    }
}
