namespace CallBot.Rtc.Payloads;

/// <summary>
/// Collects in-order RTP payloads of one timestamp into a complete frame and hands complete frames only to a sink.
/// </summary>
/// <remarks>
/// <para>Input must be in sequence order (the jitter buffer's job); sequence numbers are unwrapped (64-bit). A jump in the
/// sequence is a gap: the frame in progress is dropped, and for video <see cref="NeedsKeyFrame"/> is set until a complete
/// keyframe arrives (delta frames in between are dropped because they cannot be decoded).</para>
/// <para>A frame starts only at a payload the depacketizer calls a partition head, and ends at a partition tail (the marker)
/// or when the timestamp changes with no gap. Frames are built in a pooled buffer; <see cref="EncodedFrame.Data"/> is valid
/// only during <see cref="IEncodedFrameSink.OnFrame"/>. Not thread-safe: one instance per receive stream.</para>
/// </remarks>
public sealed class FrameAssembler : IRtpPayloadConsumer, IRtpGapJudge, IDisposable
{
    /// <summary>Default cap on one frame: 4 MiB is far above any 1080p keyframe.</summary>
    public const int DefaultMaxFrameSize = 4 * 1024 * 1024;

    private readonly CodecId _codec;
    private readonly IDepacketizer _depacketizer;
    private readonly IEncodedFrameSink _sink;
    private readonly int _maxFrameSize;
    private readonly bool _isVideo;
    private readonly FrameBuffer _buffer = new();
    private readonly TimestampUnwrapper _timestamps = new();
    private long _lastSequence;
    private bool _hasLast;
    private bool _inFrame;
    private bool _broken;
    private uint _frameTimestamp;
    private long _lastEmittedTimestamp = -1;
    private int _frameNumber = -1;        // the frame in progress (VP8 picture id), -1 = none
    private int _frameModulus;
    private int _completedNumber = -1;    // the last frame completed
    private int _completedModulus;

    public FrameAssembler(CodecId codec, IDepacketizer depacketizer, IEncodedFrameSink sink, int maxFrameSize = DefaultMaxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(depacketizer);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, 1);
        _codec = codec;
        _depacketizer = depacketizer;
        _sink = sink;
        _maxFrameSize = maxFrameSize;
        _isVideo = codec.Kind() == MediaKind.Video;
        NeedsKeyFrame = _isVideo;
    }

    /// <summary>Raised when <see cref="NeedsKeyFrame"/> turns true after a loss (the cue to send PLI). Not raised for the initial state.</summary>
    public event Action? KeyFrameNeeded;

    /// <summary>Video only: true until the first complete keyframe, and again after any loss until the next one.</summary>
    public bool NeedsKeyFrame { get; private set; }

    public long FramesAssembled { get; private set; }
    public long KeyFrames { get; private set; }

    /// <summary>Frames given up because a packet was missing, a payload was bad, or the frame was too large.</summary>
    public long FramesDropped { get; private set; }

    /// <summary>Complete delta frames dropped while waiting for a keyframe.</summary>
    public long FramesSkippedUntilKeyFrame { get; private set; }

    /// <summary>Sequence gaps seen and the packets they span.</summary>
    public long Gaps { get; private set; }
    public long PacketsMissing { get; private set; }

    public long PayloadsRejected { get; private set; }
    public PayloadDropReason LastDropReason { get; private set; }

    /// <summary>Feeds one payload. <paramref name="sequence"/> is the unwrapped sequence number.</summary>
    public void Push(long sequence, uint timestamp, bool marker, ReadOnlySpan<byte> payload)
    {
        if (_hasLast && sequence <= _lastSequence)
        {
            return;
        }

        var gap = _hasLast && sequence != _lastSequence + 1;
        if (gap)
        {
            Gaps++;
            PacketsMissing += sequence - _lastSequence - 1;
        }

        _lastSequence = sequence;
        _hasLast = true;

        // No payload (padding-only, or the number of a FEC packet): the sequence number is accounted for, no data.
        if (payload.IsEmpty)
        {
            if (gap)
            {
                _broken |= _inFrame;
                RequireKeyFrame();
            }

            return;
        }

        if (_inFrame)
        {
            if (timestamp != _frameTimestamp)
            {
                if (!gap && !_broken)
                {
                    FinishFrame();
                }
                else
                {
                    DropFrame(true);
                }
            }
            else if (gap)
            {
                _broken = true;
                RequireKeyFrame();
            }
        }
        else if (gap)
        {
            // Whole frames (or the start of the next one) may be gone: references are lost.
            RequireKeyFrame();
        }

        if (!_inFrame)
        {
            _inFrame = true;
            _frameTimestamp = timestamp;
            _buffer.Clear();
            _depacketizer.Reset();
            _broken = !_depacketizer.IsPartitionHead(payload);
            _frameNumber = !_broken && _depacketizer.TryGetFrameNumber(payload, out var number, out _frameModulus) ? number : -1;
        }

        if (!_broken)
        {
            if (!_depacketizer.TryUnmarshal(payload, _buffer, out var reason))
            {
                PayloadsRejected++;
                LastDropReason = reason;
                _broken = true;
            }
            else if (_buffer.Length > _maxFrameSize)
            {
                LastDropReason = PayloadDropReason.FrameTooLarge;
                _broken = true;
            }
        }

        if (_depacketizer.IsPartitionTail(marker, payload))
        {
            if (_broken)
            {
                DropFrame(true);
            }
            else
            {
                FinishFrame();
            }
        }
    }

    public void OnRtpPayload(long sequence, in RtpHeader header, ReadOnlySpan<byte> payload) =>
        Push(sequence, header.Timestamp, header.Marker, payload);

    /// <inheritdoc/>
    public bool FollowsLastFrame(ReadOnlySpan<byte> payload) =>
        !_inFrame && _completedNumber >= 0 && _depacketizer.IsPartitionHead(payload)
        && _depacketizer.TryGetFrameNumber(payload, out var number, out var modulus)
        && modulus == _completedModulus && number == (_completedNumber + 1) % modulus;

    public void Dispose() => _buffer.Dispose();

    private void FinishFrame()
    {
        _inFrame = false;
        _completedNumber = _frameNumber;
        _completedModulus = _frameModulus;
        _depacketizer.CompleteFrame(_buffer, out var isKeyFrame);
        var timestamp = _timestamps.Unwrap(_frameTimestamp);
        if (_isVideo && NeedsKeyFrame && !isKeyFrame)
        {
            FramesSkippedUntilKeyFrame++;
            return;
        }

        if (isKeyFrame && _isVideo)
        {
            NeedsKeyFrame = false;
            KeyFrames++;
        }

        var duration = _lastEmittedTimestamp < 0 ? 0 : (int)Math.Clamp(timestamp - _lastEmittedTimestamp, 0, int.MaxValue);
        _lastEmittedTimestamp = timestamp;
        FramesAssembled++;
        _sink.OnFrame(new EncodedFrame(_codec, _buffer.WrittenMemory, timestamp, duration, isKeyFrame));
    }

    private void DropFrame(bool lostData)
    {
        _inFrame = false;
        _completedNumber = -1;
        FramesDropped++;
        _buffer.Clear();
        _depacketizer.Reset();
        if (lostData)
        {
            RequireKeyFrame();
        }
    }

    private void RequireKeyFrame()
    {
        if (_isVideo && !NeedsKeyFrame)
        {
            NeedsKeyFrame = true;
            KeyFrameNeeded?.Invoke();
        }
    }
}
