using CallBot.Abstractions;
using CallBot.Load.Quality;
using CallBot.Media.Pacing;
using CallBot.Recording;

namespace CallBot.Worker.Calls;

/// <summary>
/// The media of one peer connection of one call: our tracks paced by the process's one <see cref="MediaClock"/> into
/// each port's sender (or, in echo mode, the peer's frames straight back), the peer's frames into counters and the
/// recorder, keyframe requests both ways, sender reports and gaps into the recorder, and the target bitrate into the
/// sender's ladder (checked every 100 ms).
/// </summary>
public sealed class CallMediaBinding : IAsyncDisposable
{
    // How soon a new target reaches the ladder. Once a second, a bot whose link dropped from 2.5 Mbit/s to 500 kbit/s
    // went on sending its 1.4 Mbit/s rung for up to a second after its estimate fell (the bandwidth-step bench: a 1 s
    // queue filled and tail-dropped); a step down now takes effect within about 100 ms plus a frame. A read of one int
    // per sender, ten times a second per call.
    private static readonly TimeSpan BitrateCheckInterval = TimeSpan.FromMilliseconds(100);
    private const long NeverRestarted = long.MinValue;
    private static readonly TimeSpan KeyFrameRestartInterval = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<IMediaTrackPort> _ports;
    private readonly MediaClock _clock;
    private readonly CallMediaTracks _tracks;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly List<(IMediaTrackPort Port, MediaSender Sender)> _senders = [];
    private readonly List<RemoteFrameTap> _taps = [];
    private readonly Lock _lock = new();
    private ParticipantRecorder? _recorder;
    private volatile IRemoteStreamObserver? _observer;
    private ITimer? _bitrateTimer;
    private long _keyFramesRequestedByPeer;
    private long _remoteGaps;
    private long _lastKeyFrameRestart = NeverRestarted;
    private long _keyFrameRestarts;
    private long _keyFramesInPlace;
    private long _firstFrameTicks = -1;
    private long _videoFramesSentFinal;
    private long _audioFramesSentFinal;
    private bool _started;
    private bool _sending;
    private bool _disposed;

    /// <param name="startTimestamp">
    /// <see cref="TimeProvider.GetTimestamp"/> at which the call started (call sent or received): the setup time is measured from it.
    /// </param>
    public CallMediaBinding(IReadOnlyList<IMediaTrackPort> ports, MediaClock clock, CallMediaTracks tracks, TimeProvider time, long startTimestamp)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(tracks);
        ArgumentNullException.ThrowIfNull(time);
        _ports = ports;
        _clock = clock;
        _tracks = tracks;
        _time = time;
        _startTimestamp = startTimestamp;
        foreach (var port in ports)
        {
            var tap = new RemoteFrameTap(port.Kind, time, startTimestamp, OnFirstFrame);
            _taps.Add(tap);
            port.RemoteFrameSink = tap;
            port.KeyFrameRequested += OnKeyFrameRequested;
            port.SenderReportReceived += OnSenderReport;
            port.RemoteGap += OnRemoteGap;
        }
    }

    /// <summary>Raised once, on the receive loop, when the first remote frame of any kind arrives (the call's setup time).</summary>
    public event Action<TimeSpan>? FirstRemoteFrame;

    /// <summary>Tracks not sent because their codec differs from the negotiated one (should stay 0).</summary>
    public int CodecMismatches { get; private set; }

    public ParticipantRecorder? Recorder => _recorder;

    /// <summary>Sees every remote frame and sender report from now on (set before media flows; null detaches).</summary>
    public IRemoteStreamObserver? Observer
    {
        get => _observer;
        set
        {
            _observer = value;
            foreach (var tap in _taps)
            {
                tap.Observer = value;
            }
        }
    }

    /// <summary>
    /// Once the m-lines are negotiated (the codecs are known): attaches the recorder and, in echo mode, loops the peer's
    /// frames back. Idempotent. <paramref name="recorderFactory"/> receives the negotiated audio and video codecs and may
    /// return null (no recording).
    /// </summary>
    public void Start(Func<CodecId?, CodecId?, ParticipantRecorder?>? recorderFactory = null)
    {
        lock (_lock)
        {
            if (_started || _disposed)
            {
                return;
            }

            _started = true;
            CodecId? audioCodec = null;
            CodecId? videoCodec = null;
            foreach (var port in _ports)
            {
                if (port.NegotiatedCodec is not { } codec)
                {
                    continue;
                }

                if (port.Kind == MediaKind.Audio)
                {
                    audioCodec = codec;
                }
                else
                {
                    videoCodec = codec;
                }
            }

            _recorder = recorderFactory?.Invoke(audioCodec, videoCodec);
            if (_recorder is not null)
            {
                _recorder.KeyFrameNeeded += OnRecorderNeedsKeyFrame;
            }

            for (var i = 0; i < _ports.Count; i++)
            {
                if (_ports[i].NegotiatedCodec is null)
                {
                    continue;
                }

                _taps[i].Recorder = _recorder;
                if (_tracks.IsEcho)
                {
                    _taps[i].Echo = _ports[i].Sender;
                }
            }
        }
    }

    /// <summary>
    /// Starts pacing our tracks into the ports once the connection can carry media (frames handed to a sender before
    /// DTLS-SRTP is up are dropped, and the first one is the clip's keyframe). Audio and video share one start instant.
    /// Idempotent; does nothing in echo mode or before <see cref="Start"/>.
    /// </summary>
    public void StartSending()
    {
        lock (_lock)
        {
            if (!_started || _sending || _disposed || _tracks.IsEcho)
            {
                return;
            }

            _sending = true;
            var timelineStart = _clock.GetTimestamp();

            // The clip starts with a keyframe, but the first PLI is still answered at once: that keyframe is often sent
            // before the receiver's DTLS-SRTP is up and lost, and holding the restart back made recordings start ~1 s late.
            foreach (var port in _ports)
            {
                var track = port.Kind == MediaKind.Video ? _tracks.Video : _tracks.Audio;
                if (port.NegotiatedCodec is null || track is null)
                {
                    continue;
                }

                if (track.Codec != port.NegotiatedCodec)
                {
                    CodecMismatches++;
                    continue;
                }

                var options = new MediaSenderOptions
                {
                    StartTimestamp = timelineStart,
                    TargetBitrateKbps = port.TargetBitrateKbps > 0 ? port.TargetBitrateKbps : int.MaxValue,
                };
                _senders.Add((port, _clock.Register(track, port.Sender, options)));
            }

            if (_senders.Count > 0)
            {
                _bitrateTimer = _time.CreateTimer(_ => ApplyTargetBitrates(), null, BitrateCheckInterval, BitrateCheckInterval);
            }
        }
    }

    /// <summary>Applies each port's current target bitrate to its sender's ladder.</summary>
    /// <remarks>
    /// Runs ten times a second per call: it walks the senders under the lock (two field reads and a write each) rather
    /// than copying the list, so it allocates nothing.
    /// </remarks>
    public void ApplyTargetBitrates()
    {
        lock (_lock)
        {
            foreach (var (port, sender) in _senders)
            {
                var target = port.TargetBitrateKbps;
                sender.SetTargetBitrate(target > 0 ? target : int.MaxValue);
            }
        }
    }

    public CallMediaStats GetStats()
    {
        long videoSent, audioSent;
        lock (_lock)
        {
            // The totals of disposed senders and the live senders together, under the lock Dispose folds one into the
            // other with: read apart, a summary taken while the call's media was being disposed could see neither (a
            // caller reported "sent 0" after a call with media both ways, in a CI run).
            videoSent = _videoFramesSentFinal;
            audioSent = _audioFramesSentFinal;
            AddFramesSent(_senders, ref videoSent, ref audioSent);
        }

        long videoReceived = 0, audioReceived = 0, bytes = 0;
        FreezeFigures arrival = default, timeline = default, playout = default;
        foreach (var tap in _taps)
        {
            bytes += tap.Bytes;
            if (tap.Kind == MediaKind.Video)
            {
                videoReceived += tap.Frames;
                arrival = Add(arrival, tap.ArrivalFreezes);
                timeline = Add(timeline, tap.TimelineFreezes);
                playout = Add(playout, tap.PlayoutFreezes);
                videoSent += tap.Echoed;
            }
            else
            {
                audioReceived += tap.Frames;
                audioSent += tap.Echoed;
            }
        }

        var first = Interlocked.Read(ref _firstFrameTicks);
        var recorder = _recorder;
        return new CallMediaStats(
            videoSent,
            audioSent,
            videoReceived,
            audioReceived,
            bytes,
            PacketsLost: 0,
            Interlocked.Read(ref _keyFramesRequestedByPeer),
            Interlocked.Read(ref _remoteGaps),
            first < 0 ? null : TimeSpan.FromTicks(first),
            recorder?.OutputPath,
            recorder?.Status.ToString())
        {
            VideoFreezes = arrival,
            VideoTimelineFreezes = timeline,
            VideoPlayoutFreezes = playout,
            KeyFrameRestarts = KeyFrameRestarts,
            KeyFramesInPlace = KeyFramesInPlace,
        };
    }

    private static FreezeFigures Add(FreezeFigures a, FreezeFigures b) =>
        new(a.Freezes + b.Freezes, a.FreezeDuration + b.FreezeDuration, a.Pauses + b.Pauses, a.PauseDuration + b.PauseDuration);

    private static void AddFramesSent(List<(IMediaTrackPort Port, MediaSender Sender)> senders, ref long video, ref long audio)
    {
        foreach (var (port, sender) in senders)
        {
            if (port.Kind == MediaKind.Video)
            {
                video += sender.FramesSent;
            }
            else
            {
                audio += sender.FramesSent;
            }
        }
    }

    private List<(IMediaTrackPort Port, MediaSender Sender)> SnapshotSenders()
    {
        lock (_lock)
        {
            return [.. _senders];
        }
    }

    private void OnFirstFrame(MediaKind kind, TimeSpan after)
    {
        if (Interlocked.CompareExchange(ref _firstFrameTicks, after.Ticks, -1) == -1)
        {
            FirstRemoteFrame?.Invoke(after);
        }
    }

    private void OnKeyFrameRequested(object? sender, EventArgs e)
    {
        Interlocked.Increment(ref _keyFramesRequestedByPeer);
        if (_tracks.IsEcho && sender is IMediaTrackPort port)
        {
            // We only relay the peer's frames: the keyframe has to come from the peer itself.
            port.RequestKeyFrame();
        }

        else if (sender is IMediaTrackPort { Kind: MediaKind.Video } videoPort)
        {
            AnswerKeyFrameRequest(videoPort);
        }
    }

    /// <summary>
    /// A track with key-frame-only twins answers every request in place (the next frame is a key frame at the clip's
    /// current position, and the cost is bounded by the rendition's key frame interval, so no rate limit); one without
    /// them is restarted (<see cref="RestartAtKeyFrame"/>).
    /// </summary>
    private void AnswerKeyFrameRequest(IMediaTrackPort port)
    {
        if (!_sending)
        {
            return;
        }

        foreach (var (p, sender) in SnapshotSenders())
        {
            if (!ReferenceEquals(p, port))
            {
                continue;
            }

            if (sender.AnswersKeyFramesInPlace)
            {
                sender.RequestKeyFrame();
                Interlocked.Increment(ref _keyFramesInPlace);
            }
            else
            {
                RestartAtKeyFrame(port);
            }
        }
    }

    /// <summary>
    /// Pre-encoded clips cannot make a keyframe on demand, but every clip starts with one: restarting the track answers a
    /// PLI. The first PLI is answered at once (our first keyframe was likely lost while the peer's SRTP was not ready);
    /// later ones at most once per <see cref="KeyFrameRestartInterval"/>, so a PLI storm does not freeze the picture on frame 0.
    /// </summary>
    private void RestartAtKeyFrame(IMediaTrackPort port)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastKeyFrameRestart);
        if (!_sending || (last != NeverRestarted && _time.GetElapsedTime(last, now) < KeyFrameRestartInterval))
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastKeyFrameRestart, now, last) != last)
        {
            return; // another PLI (the other m-line's thread) took this slot
        }
        foreach (var (p, sender) in SnapshotSenders())
        {
            if (ReferenceEquals(p, port))
            {
                sender.SwitchSource(sender.Track);
                Interlocked.Increment(ref _keyFrameRestarts);
            }
        }
    }

    /// <summary>Times a keyframe request restarted our video clip.</summary>
    public long KeyFrameRestarts => Interlocked.Read(ref _keyFrameRestarts);

    /// <summary>Keyframe requests handed to a sender that answers them without restarting its clip.</summary>
    public long KeyFramesInPlace => Interlocked.Read(ref _keyFramesInPlace);

    private void OnSenderReport(object? sender, SenderReportSample report)
    {
        if (sender is IMediaTrackPort port)
        {
            _recorder?.OnSenderReport(port.Kind, report.NtpTime, report.RtpTimestamp);
            _observer?.OnSenderReport(port.Kind, report);
        }
    }

    private void OnRemoteGap(object? sender, EventArgs e)
    {
        Interlocked.Increment(ref _remoteGaps);
        if (sender is IMediaTrackPort port)
        {
            _recorder?.OnGap(port.Kind);
        }
    }

    private void OnRecorderNeedsKeyFrame()
    {
        foreach (var port in _ports)
        {
            if (port.Kind == MediaKind.Video)
            {
                port.RequestKeyFrame();
            }
        }
    }

    /// <summary>Stops the senders and detaches from the ports; the recorder is finalized by its recording session.</summary>
    public ValueTask DisposeAsync()
    {
        List<(IMediaTrackPort Port, MediaSender Sender)> senders;
        lock (_lock)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            senders = [.. _senders];

            // Frames a sender still sends before its Dispose below are not counted: at most the one in flight.
            AddFramesSent(senders, ref _videoFramesSentFinal, ref _audioFramesSentFinal);

            _senders.Clear();
            _bitrateTimer?.Dispose();
        }

        foreach (var (_, sender) in senders)
        {
            sender.Dispose();
        }

        for (var i = 0; i < _ports.Count; i++)
        {
            var port = _ports[i];
            port.KeyFrameRequested -= OnKeyFrameRequested;
            port.SenderReportReceived -= OnSenderReport;
            port.RemoteGap -= OnRemoteGap;
            _taps[i].Echo = null;
        }

        if (_recorder is not null)
        {
            _recorder.KeyFrameNeeded -= OnRecorderNeedsKeyFrame;
        }

        return ValueTask.CompletedTask;
    }
}
