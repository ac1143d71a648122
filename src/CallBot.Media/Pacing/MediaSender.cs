using CallBot.Abstractions;
using CallBot.Media.Clips;

namespace CallBot.Media.Pacing;

/// <summary>
/// One outgoing stream of a call (audio or video), paced by the shared <see cref="MediaClock"/>: hands the sink the
/// track's frames on time, looping, with timestamps that keep increasing across loops, source switches and mutes.
/// </summary>
/// <remarks>
/// <para>Timeline: frame timestamps start at 0 and advance by each frame's duration, so after a loop the next timestamp is
/// the previous loop's start plus the clip length (a key frame, since every clip starts with one).</para>
/// <para>Controls (any thread) take effect on the next frame the clock delivers:
/// <list type="bullet">
/// <item><see cref="Mute"/>: filler frames (black key frame first / silence) or nothing, per <see cref="MuteBehavior"/>.
/// The source keeps its place in real time meanwhile, so audio and video of one call stay in sync;
/// <see cref="Unmute"/> resumes at the next source key frame (at once for audio).</item>
/// <item><see cref="SwitchSource"/>: the new track starts at its first frame (a key frame) on the next frame slot.</item>
/// <item><see cref="SetTargetBitrate"/>: the ladder rendition changes at the next key frame (renditions share key frame
/// positions); a step down with key-frame-only twins at once, on the lower rendition's twin until its next key frame.</item>
/// <item><see cref="RequestKeyFrame"/> (a PLI/FIR from the peer), when the track has key-frame-only twins: the next frame
/// is the twin's frame at the current position, and the twin goes on standing in until the rendition's own next key
/// frame. The clip's position and timestamps are untouched, so a keyframe costs one frame interval, not a restart.</item>
/// </list></para>
/// <para>The clock calls <see cref="Pump"/> on one thread at a time; it allocates nothing.</para>
/// </remarks>
public sealed class MediaSender : IDisposable
{
    private readonly MediaClock _clock;
    private readonly IEncodedFrameSink _sink;
    private readonly MuteBehavior _muteBehavior;
    private readonly int _maxFramesPerTick;
    private readonly long _startMedia;
    private EncodedTrack _track;
    private EncodedTrack? _pendingTrack;
    private volatile int _targetKbps;
    private volatile bool _muteRequested;
    private volatile bool _keyFrameRequested;
    private bool _onKeyFrameTwin;
    private long _keyFramesAnswered;
    private long _keyFrameTwinFrames;
    private long _stepDownsInPlace;
    private volatile bool _disposed;
    private bool _muted;
    private int _rendition;
    private int _index;
    private int _fillerIndex;
    private long _nextTimestamp;
    private long _framesSent;
    private long _bytesSent;
    private long _loops;
    private long _sinkFaults;

    internal MediaSender(MediaClock clock, EncodedTrack track, IEncodedFrameSink sink, MediaSenderOptions options, long startMedia)
    {
        _clock = clock;
        _track = track;
        _sink = sink;
        _muteBehavior = options.MuteBehavior;
        _maxFramesPerTick = Math.Max(1, options.MaxFramesPerTick);
        _targetKbps = options.TargetBitrateKbps;
        _muteRequested = options.StartMuted;
        _muted = options.StartMuted;
        _rendition = track.SelectRendition(options.TargetBitrateKbps);
        _startMedia = startMedia;
        ClockRate = track.Codec.ClockRate();
    }

    public CodecId Codec => _track.Codec;

    public int ClockRate { get; }

    /// <summary>The track being sent (the new one once a switch took effect).</summary>
    public EncodedTrack Track => Volatile.Read(ref _track);

    /// <summary>True once a mute took effect on the wire; false once an unmute did.</summary>
    public bool IsMuted => Volatile.Read(ref _muted);

    /// <summary>Index in <see cref="EncodedTrack.Renditions"/> of the rendition being sent.</summary>
    public int RenditionIndex => Volatile.Read(ref _rendition);

    /// <summary>Frames handed to the sink (filler included).</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Completed passes over the clip.</summary>
    public long Loops => Interlocked.Read(ref _loops);

    /// <summary>Exceptions thrown by the sink (each is caught; the sender goes on).</summary>
    public long SinkFaults => Interlocked.Read(ref _sinkFaults);

    /// <summary>Keyframe requests answered in place (see <see cref="RequestKeyFrame"/>).</summary>
    public long KeyFramesAnswered => Interlocked.Read(ref _keyFramesAnswered);

    /// <summary>Frames taken from a key-frame-only twin instead of the rendition (the cost of the answers above).</summary>
    public long KeyFrameTwinFrames => Interlocked.Read(ref _keyFrameTwinFrames);

    /// <summary>Steps down the ladder taken at once through the lower rendition's key-frame-only twin (see <see cref="SetTargetBitrate"/>).</summary>
    public long StepDownsInPlace => Interlocked.Read(ref _stepDownsInPlace);

    /// <summary>True when <see cref="RequestKeyFrame"/> can answer without restarting the clip (the track has key-frame-only twins).</summary>
    public bool AnswersKeyFramesInPlace => Track.KeyFrameRenditions is not null;

    /// <summary>Timestamp the next frame will carry.</summary>
    public long NextTimestamp => Interlocked.Read(ref _nextTimestamp);

    /// <summary>Mutes, like the SDK's <c>mute("audio"|"video")</c>.</summary>
    public void Mute() => _muteRequested = true;

    /// <summary>Unmutes; video resumes at the source's next key frame.</summary>
    public void Unmute() => _muteRequested = false;

    /// <summary>Sends <paramref name="track"/> from its first frame on, like the SDK's <c>switchMediaTracks</c>. The codec must stay the same (it is negotiated).</summary>
    public void SwitchSource(EncodedTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (track.Codec != _track.Codec)
        {
            throw new ArgumentException($"cannot switch a {_track.Codec} sender to a {track.Codec} track: the codec is negotiated per call", nameof(track));
        }

        Volatile.Write(ref _pendingTrack, track);
    }

    /// <summary>
    /// A keyframe request from the peer: the next frame delivered is a key frame at the clip's current position (taken
    /// from the track's key-frame-only twin; the filler restarts at its key frame while muted). Does nothing for a track
    /// without twins (<see cref="AnswersKeyFramesInPlace"/> false): the caller restarts it with <see cref="SwitchSource"/>.
    /// Requests while the twin already stands in cost nothing more, so no rate limit is needed here.
    /// </summary>
    public void RequestKeyFrame() => _keyFrameRequested = true;

    /// <summary>
    /// Follows a bandwidth estimate or the SDP <c>b=AS</c>/<c>maxBandwidth</c> (kbit/s on the wire): the ladder rendition
    /// changes at the next key frame, or at once when it steps down and the track has key-frame-only twins.
    /// </summary>
    public void SetTargetBitrate(int kbps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kbps);
        _targetKbps = kbps;
    }

    /// <summary>Unregisters from the clock; no frame is delivered after this returns, except one already being handed over.</summary>
    public void Dispose()
    {
        _disposed = true;
        _clock.Unregister(this);
    }

    /// <summary>Delivers every frame due at <paramref name="now"/> (media time in this sender's clock rate). Called by the clock.</summary>
    internal void Pump(long now)
    {
        var due = now - _startMedia;
        for (var n = 0; n < _maxFramesPerTick && _nextTimestamp <= due && !_disposed; n++)
        {
            DeliverOne();
        }
    }

    private void DeliverOne()
    {
        var pending = Interlocked.Exchange(ref _pendingTrack, null);
        if (pending is not null)
        {
            Volatile.Write(ref _track, pending);
            _index = 0;
            Volatile.Write(ref _rendition, pending.SelectRendition(_targetKbps));
        }

        var track = _track;
        var clip = track.Renditions[_rendition];
        var wanted = track.SelectRendition(_targetKbps);
        if (wanted != _rendition)
        {
            // Up, or without twins: at the next key frame (the renditions' inter frames only follow their own key frame).
            // Down with twins: at once, from the lower rendition's key-frame-only twin until its own next key frame, as a
            // keyframe request is answered: a sender over a bottleneck must not go on filling its queue for up to a key
            // frame interval (2 s), and the twin costs about what its rendition does.
            var inPlace = wanted < _rendition && track.KeyFrameRenditions is not null && !_muted;
            if (clip[_index].IsKeyFrame || inPlace)
            {
                Volatile.Write(ref _rendition, wanted);
                clip = track.Renditions[wanted];
                if (inPlace && !clip[_index].IsKeyFrame)
                {
                    _onKeyFrameTwin = true;
                    Interlocked.Increment(ref _stepDownsInPlace);
                }
            }
        }

        ref readonly var source = ref clip[_index];
        UpdateMute(source.IsKeyFrame || pending is not null);

        var keyFrameRequested = _keyFrameRequested;
        if (keyFrameRequested)
        {
            _keyFrameRequested = false;
        }

        if (source.IsKeyFrame || track.KeyFrameRenditions is null)
        {
            _onKeyFrameTwin = false; // the rendition's own key frame: its inter frames can follow again
        }
        else if (keyFrameRequested && !_muted)
        {
            _onKeyFrameTwin = true;
        }

        if (keyFrameRequested && (source.IsKeyFrame || _onKeyFrameTwin))
        {
            Interlocked.Increment(ref _keyFramesAnswered);
        }

        if (!_muted && _onKeyFrameTwin)
        {
            ref readonly var twin = ref track.KeyFrameRenditions![_rendition][_index];
            Interlocked.Increment(ref _keyFrameTwinFrames);
            Emit(twin.Data, source.Duration, isKeyFrame: true);
        }
        else if (!_muted)
        {
            Emit(source.Data, source.Duration, source.IsKeyFrame);
        }
        else if (_muteBehavior == MuteBehavior.SendFiller && track.Filler is { } filler)
        {
            if (keyFrameRequested)
            {
                _fillerIndex = 0; // the filler starts with its key frame
            }

            if (_fillerIndex >= filler.Count)
            {
                _fillerIndex = 0;
            }

            ref readonly var black = ref filler[_fillerIndex++];
            Emit(black.Data, source.Duration, black.IsKeyFrame);
        }

        Interlocked.Exchange(ref _nextTimestamp, _nextTimestamp + source.Duration);
        if (++_index == clip.Count)
        {
            _index = 0;
            Interlocked.Increment(ref _loops);
        }
    }

    private void UpdateMute(bool atKeyFrame)
    {
        var requested = _muteRequested;
        if (requested && !_muted)
        {
            _fillerIndex = 0; // the filler starts with its key frame
            Volatile.Write(ref _muted, true);
        }
        else if (!requested && _muted && atKeyFrame)
        {
            Volatile.Write(ref _muted, false);
        }
    }

    private void Emit(ReadOnlyMemory<byte> data, int duration, bool isKeyFrame)
    {
        var frame = new EncodedFrame(_track.Codec, data, _nextTimestamp, duration, isKeyFrame);
        try
        {
            _sink.OnFrame(in frame);
        }
#pragma warning disable CA1031 // A faulty sink must not stop the clock for every other call.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _sinkFaults);
        }

        Interlocked.Increment(ref _framesSent);
        Interlocked.Add(ref _bytesSent, data.Length);
    }
}
