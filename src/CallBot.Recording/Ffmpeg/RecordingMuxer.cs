using System.Buffers;
using System.Globalization;
using CallBot.Abstractions;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Recording.Mkv;
using CallBot.Recording.Timeline;

namespace CallBot.Recording.Ffmpeg;

/// <summary>
/// The muxer of one participant's recording: owns the FFmpeg process (<c>-c copy</c> into WebM/Matroska) and the
/// <see cref="MkvPipeWriter"/> that feeds its stdin a live Matroska stream. It turns the timeline's decisions into
/// queued Matroska items (header with the tracks, frames in pooled buffers, Opus silence) and never blocks a producer.
/// </summary>
internal sealed class RecordingMuxer : ITimelineOutput, IAsyncDisposable
{
    private const int AudioTrackNumber = 2;
    private const int VideoTrackNumber = 1;

    /// <summary>Bytes of FFmpeg's stderr kept: at -loglevel error its last lines say why it stopped, and they reach the operator.</summary>
    private const int StderrLimit = 4 * 1024;

    private readonly FfmpegProcess _ffmpeg;
    private readonly MkvPipeWriter _pipe;
    private readonly Task _pipeTask;
    private readonly CodecId? _audioCodec;
    private readonly CodecId? _videoCodec;
    private readonly int _audioChannels;

    private RecordingMuxer(FfmpegProcess ffmpeg, MkvPipeWriter pipe, CodecId? audioCodec, CodecId? videoCodec, int audioChannels)
    {
        _ffmpeg = ffmpeg;
        _pipe = pipe;
        _audioCodec = audioCodec;
        _videoCodec = videoCodec;
        _audioChannels = audioChannels;
        _pipeTask = Task.Run(pipe.RunAsync);
    }

    /// <summary>FFmpeg's process id (tests kill it to prove crash safety).</summary>
    public int ProcessId => _ffmpeg.Id;

    public string StderrTail => _ffmpeg.StderrTail;

    /// <summary>Bytes FFmpeg's stdin has taken so far.</summary>
    public long BytesWritten => _pipe.BytesWritten;

    /// <summary>FFmpeg's exit code, once it has exited.</summary>
    public int ExitCode => _ffmpeg.ExitCode;

    /// <summary>
    /// Starts FFmpeg writing <paramref name="outputPath"/> and the pipe towards it. <paramref name="onPipeError"/> is called
    /// when FFmpeg stops reading; <paramref name="hasRoom"/> is asked every <see cref="MkvPipeWriter.RoomCheckBytes"/> and
    /// <paramref name="onNoRoom"/> called once when it says no. Throws <see cref="FfmpegException"/> if FFmpeg cannot start.
    /// </summary>
    public static RecordingMuxer Start(string outputPath, CodecId? audioCodec, CodecId? videoCodec, RecordingOptions options,
        Action<Exception> onPipeError, Func<bool> hasRoom, Action onNoRoom)
    {
        var ffmpeg = FfmpegProcess.Start(options.FfmpegPath, Arguments(outputPath, videoCodec, options.ClusterTimeLimit), redirectStdout: false, redirectStdin: true, StderrLimit);
        var pipe = new MkvPipeWriter(ffmpeg.StandardInput, options.MaxQueuedFrames, onPipeError, options.MaxQueuedBytes, hasRoom, onNoRoom);
        return new RecordingMuxer(ffmpeg, pipe, audioCodec, videoCodec, options.AudioChannels);
    }

    /// <summary>Completes when FFmpeg has exited (by itself or killed).</summary>
    public Task WaitForExitAsync() => _ffmpeg.WaitForExitAsync(Timeout.InfiniteTimeSpan);

    /// <summary>No more items: the pipe writes what is queued, then stops.</summary>
    public void Complete() => _pipe.Complete();

    public void Kill() => _ffmpeg.Kill();

    /// <summary>
    /// Drains the queue into FFmpeg (up to <paramref name="timeout"/>), closes its stdin and waits up to
    /// <paramref name="timeout"/> for it to finish the file; kills it if it does not.
    /// </summary>
    /// <returns>True if FFmpeg exited by itself.</returns>
    public async Task<bool> FinishAsync(TimeSpan timeout)
    {
        _pipe.Complete();
        try
        {
            await _pipeTask.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // FFmpeg stopped reading; the kill below ends the write that hangs.
        }

        return await _ffmpeg.CloseInputAndWaitAsync(timeout).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public TimelineWrite WriteHeader(in EncodedFrame keyFrame, bool withVideo)
    {
        var tracks = new List<MkvTrack>(2);
        if (withVideo && _videoCodec is { } video)
        {
            // CodecPrivate is codec-specific: the codec table names the codec, the bitstream tells the rest.
            switch (video)
            {
                case CodecId.Vp8:
                    if (!Vp8KeyFrame.TryReadSize(keyFrame.Data.Span, out var width, out var height))
                    {
                        return TimelineWrite.Invalid;
                    }

                    tracks.Add(new MkvTrack(VideoTrackNumber, video, [], width, height));
                    break;
                case CodecId.H264:
                    if (!AnnexB.TryBuildAvcConfig(keyFrame.Data.Span, out var avcC))
                    {
                        return TimelineWrite.Invalid;
                    }

                    tracks.Add(new MkvTrack(VideoTrackNumber, video, avcC));
                    break;
                default:
                    throw new UnknownCodecException(video.ToString());
            }
        }

        if (_audioCodec is { } audio)
        {
            tracks.Add(new MkvTrack(AudioTrackNumber, audio, OpusHead.Build(_audioChannels), Channels: _audioChannels));
        }

        var writer = new EbmlWriter(512);
        MatroskaLiveWriter.WriteHeader(writer, tracks, webm: ParticipantRecorder.IsWebM(_videoCodec));
        var header = writer.Written.ToArray();
        return _pipe.TryEnqueue(new MuxItem(header, header.Length, 0, 0, false, true, false)) ? TimelineWrite.Written : TimelineWrite.QueueFull;
    }

    /// <inheritdoc />
    public TimelineWrite WriteVideo(in EncodedFrame frame, long ms)
    {
        var data = frame.Data.Span;
        byte[] buffer;
        int length;
        if (frame.Codec == CodecId.H264)
        {
            // Matroska's H.264 (V_MPEG4/ISO/AVC) takes length-prefixed NAL units, not Annex B start codes.
            buffer = ArrayPool<byte>.Shared.Rent(AnnexB.MaxConvertedLength(data.Length));
            length = AnnexB.ConvertToLengthPrefixed(data, buffer);
            if (length <= 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return TimelineWrite.Invalid;
            }
        }
        else
        {
            buffer = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(buffer);
            length = data.Length;
        }

        return Enqueue(buffer, length, VideoTrackNumber, ms, frame.IsKeyFrame);
    }

    /// <inheritdoc />
    public TimelineWrite WriteAudio(byte[] buffer, int length, long ms) => Enqueue(buffer, length, AudioTrackNumber, ms, keyFrame: true);

    /// <inheritdoc />
    public TimelineWrite WriteSilence(long ms)
    {
        var silence = OpusSilence.For(_audioChannels);
        var buffer = ArrayPool<byte>.Shared.Rent(silence.Length);
        silence.CopyTo(buffer);
        return Enqueue(buffer, silence.Length, AudioTrackNumber, ms, keyFrame: true);
    }

    /// <summary>
    /// The failure reason and operator message for FFmpeg's stderr. This muxer reads only its stdin pipe, so a file FFmpeg
    /// cannot open (permission denied, no such directory) is its output.
    /// </summary>
    public static (string Reason, string Message) Classify(string stderrTail, string fallback) => FfmpegErrorClassifier.Classify(stderrTail) switch
    {
        FfmpegErrorKind.DiskFull => ("disk-full", "Disk full: no space left on device while writing the recording. " + stderrTail),
        FfmpegErrorKind.OutputUnwritable or FfmpegErrorKind.InputMissing => ("unwritable", "Recording file is not writable. " + stderrTail),
        _ => ("ffmpeg-exit", stderrTail.Length > 0 ? fallback + ": " + stderrTail : fallback),
    };

    public ValueTask DisposeAsync() => _ffmpeg.DisposeAsync();

    /// <summary>Queues a frame already in a pooled buffer (ownership passes to the pipe, or back to the pool on failure).</summary>
    private TimelineWrite Enqueue(byte[] buffer, int length, int track, long ms, bool keyFrame)
    {
        if (_pipe.TryEnqueue(new MuxItem(buffer, length, track, ms, keyFrame, false, true)))
        {
            return TimelineWrite.Written;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return TimelineWrite.QueueFull;
    }

    private static List<string> Arguments(string outputPath, CodecId? videoCodec, TimeSpan clusterTimeLimit)
    {
        var clusterMs = ((long)clusterTimeLimit.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        return
        [
            "-hide_banner", "-loglevel", "error", "-nostats",
            "-f", "matroska", "-analyzeduration", "0", "-probesize", "65536",
            "-i", "pipe:0",
            "-map", "0", "-c", "copy",
            "-f", ParticipantRecorder.IsWebM(videoCodec) ? "webm" : "matroska",
            "-cluster_time_limit", clusterMs,
            "-flush_packets", "1",
            // One second: FFmpeg waits no longer for the other stream before writing what it has.
            "-max_interleave_delta", "1000000",
            "-y", outputPath,
        ];
    }
}
