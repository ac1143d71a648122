using System.Diagnostics;
using CallBot.Abstractions;
using CallBot.Rtc.Tests.Payloads;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// Feeds real ffmpeg frames (looped: VP8 or H.264 at 30 fps, Opus every 20 ms) into senders on the wall clock, like a live
/// source. Frames are due by a Stopwatch, so a late timer tick catches up with regular timestamps instead of stretching
/// them. <see cref="RequestKeyFrame"/> (a PLI) makes the next video frame a keyframe: the loop jumps to the GOP start.
/// </summary>
internal sealed class LiveMediaPump : IAsyncDisposable
{
    public const int VideoFrameMs = 33;
    public const int AudioFrameMs = 20;
    private const int VideoTicks = 3000;
    private const int AudioTicks = 960;
    private const int GopLength = 15;

    private readonly CancellationTokenSource _stop = new();
    private readonly IEncodedFrameSink? _video;
    private readonly IEncodedFrameSink? _audio;
    private readonly CodecId _videoCodec;
    private readonly IReadOnlyList<byte[]> _videoFrames;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly Task _loop;
    private long _videoSent;
    private long _audioSent;
    private long _keyFramesSent;
    private int _keyFrameRequested;
    private long _lastKeyFrameRequest;
    private long _lastForcedKeyFrameSent;
    private readonly bool _keyFramesOnRequestOnly;

    /// <param name="keyFramesOnRequestOnly">After the first keyframe, loop the delta frames of the first GOP: a keyframe
    /// is sent only after <see cref="RequestKeyFrame"/> (so a PLI test sees no periodic keyframe).</param>
    public LiveMediaPump(CodecId videoCodec, IEncodedFrameSink? video, IEncodedFrameSink? audio, bool keyFramesOnRequestOnly = false)
    {
        _videoCodec = videoCodec;
        _keyFramesOnRequestOnly = keyFramesOnRequestOnly;
        _video = video;
        _audio = audio;
        _videoFrames = videoCodec == CodecId.H264 ? FfmpegSamples.H264AccessUnits : FfmpegSamples.Vp8Frames;
        _ = FfmpegSamples.OpusPackets;
        // A dedicated thread: on a loaded machine a thread-pool timer can be starved for longer than a receiver's freeze
        // threshold (3 × frame interval or +150 ms), which would be the test's stall, not the stack's.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop = done.Task;
        var thread = new Thread(() =>
        {
            try
            {
                Run(_stop.Token);
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "LiveMediaPump",
            Priority = ThreadPriority.AboveNormal,
        };
        thread.Start();
    }

    public long VideoFramesSent => Interlocked.Read(ref _videoSent);

    public long AudioFramesSent => Interlocked.Read(ref _audioSent);

    public long KeyFramesSent => Interlocked.Read(ref _keyFramesSent);

    /// <summary>Timestamp (TimeProvider.System) of the last <see cref="RequestKeyFrame"/>.</summary>
    public long LastKeyFrameRequest => Interlocked.Read(ref _lastKeyFrameRequest);

    /// <summary>Timestamp of the keyframe sent in answer to the last request.</summary>
    public long LastForcedKeyFrameSent => Interlocked.Read(ref _lastForcedKeyFrameSent);

    /// <summary>Runs on the pump's thread right before a requested keyframe is handed to the sender.</summary>
    public Action? BeforeRequestedKeyFrame { get; set; }

    public void RequestKeyFrame()
    {
        Interlocked.Exchange(ref _lastKeyFrameRequest, _time.GetTimestamp());
        Volatile.Write(ref _keyFrameRequested, 1);
    }

    /// <summary>Stops sending (awaits the loop), so counters are final.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private void Run(CancellationToken ct)
    {
        var opus = FfmpegSamples.OpusPackets;
        var clock = Stopwatch.StartNew();
        long videoIndex = 0;
        long gopPosition = 0;
        long audioIndex = 0;

        // Pacing, not synchronization: wake every 5 ms and send whatever is due by the stopwatch.
        while (!ct.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(5)))
        {
            var elapsed = clock.ElapsedMilliseconds;
            while (_video is not null && videoIndex * VideoFrameMs <= elapsed)
            {
                var forced = Interlocked.Exchange(ref _keyFrameRequested, 0) == 1;
                if (forced)
                {
                    gopPosition = 0;
                    BeforeRequestedKeyFrame?.Invoke();
                }
                else if (_keyFramesOnRequestOnly && gopPosition % GopLength == 0 && videoIndex > 0)
                {
                    gopPosition++;
                }

                var data = _videoFrames[(int)(gopPosition % _videoFrames.Count)];
                var isKey = gopPosition % GopLength == 0;
                _video.OnFrame(new EncodedFrame(_videoCodec, data, videoIndex * VideoTicks, VideoTicks, isKey));
                if (isKey)
                {
                    Interlocked.Increment(ref _keyFramesSent);
                }

                if (forced)
                {
                    Interlocked.Exchange(ref _lastForcedKeyFrameSent, _time.GetTimestamp());
                }

                videoIndex++;
                gopPosition++;
                Interlocked.Increment(ref _videoSent);
            }

            while (_audio is not null && audioIndex * AudioFrameMs <= elapsed)
            {
                _audio.OnFrame(new EncodedFrame(CodecId.Opus, opus[(int)(audioIndex % opus.Count)], audioIndex * AudioTicks, AudioTicks, true));
                audioIndex++;
                Interlocked.Increment(ref _audioSent);
            }
        }
    }
}
