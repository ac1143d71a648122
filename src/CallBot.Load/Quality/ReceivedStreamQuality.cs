using CallBot.Abstractions;

namespace CallBot.Load.Quality;

/// <summary>One second of a received stream: frames per second and the height of the rendition being received (0 = unknown).</summary>
/// <param name="At">When the second ended (a <see cref="TimeProvider"/> timestamp).</param>
public readonly record struct StreamSecond(long At, double Fps, int Height);

/// <summary>
/// What one receiver measures of one remote stream, fed on its receive path with each assembled frame and each RTCP
/// sender report:
/// <list type="bullet">
/// <item>Glass-to-glass delay per frame: the sender's capture time is the frame's RTP timestamp mapped to the sender's
/// wall clock by its latest sender report (RFC 3550 §6.4.1: the SR pairs an NTP time with the RTP timestamp a frame
/// captured at that instant carries); the delay is the receiver's wall clock when the frame is complete minus that. Both
/// clocks are the same <see cref="TimeProvider"/> when both bots run in one <c>callbot load</c> process. Frames before
/// the first SR (≈1 s) are not measured.</item>
/// <item>Video: the received height from VP8 keyframe headers (freezes are counted once per stream, where frames are
/// tapped: <see cref="ReceivedVideoFreezes"/>).</item>
/// <item>Audio: the concealed share, frames the timestamps say were sent but never arrived.</item>
/// <item>Fps and height once a second (<see cref="Sample"/>, from the load monitor's timer), at most <see cref="MaxSeconds"/> seconds.</item>
/// </list>
/// <see cref="OnFrame"/> allocates nothing (the delay array and the series list are allocated once, up front or at the
/// first value). Thread-safe: the receive loop, the RTCP path and the monitor timer may call it concurrently.
/// </summary>
public sealed class ReceivedStreamQuality
{
    /// <summary>Bounds the per-second series of one stream (an hour); later seconds still count in the totals.</summary>
    public const int MaxSeconds = 3600;

    private const long MicrosPerSecond = 1_000_000;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly int _clockRate;
    private readonly TimeProvider _time;
    private readonly DelayHistogram _delay = new();
    private readonly List<StreamSecond> _seconds = [];
    private bool _haveReport;
    private long _reportUnixMicros;
    private uint _reportRtp;
    private long _frames;
    private long _firstTimestamp = long.MinValue;
    private long _lastTimestamp = long.MinValue;
    private int _frameDuration;
    private int _height;
    private CodecId? _codec;
    private long _lastSampleAt = long.MinValue;
    private long _lastSampleFrames;

    public ReceivedStreamQuality(MediaKind kind, int clockRate, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        ArgumentNullException.ThrowIfNull(time);
        Kind = kind;
        _clockRate = clockRate;
        _time = time;
    }

    public MediaKind Kind { get; }

    /// <summary>A sender report of the stream: its wall-clock time (µs since the Unix epoch) and RTP timestamp.</summary>
    public void OnSenderReport(long senderUnixMicros, uint rtpTimestamp)
    {
        lock (_gate)
        {
            _reportUnixMicros = senderUnixMicros;
            _reportRtp = rtpTimestamp;
            _haveReport = true;
        }
    }

    /// <summary>A complete frame; <paramref name="frame"/>'s timestamp is the unwrapped RTP timestamp.</summary>
    public void OnFrame(in EncodedFrame frame)
    {
        var nowMicros = (_time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        var height = frame.IsKeyFrame && frame.Codec == CodecId.Vp8 ? Vp8KeyFrameHeight(frame.Data.Span) : 0;
        lock (_gate)
        {
            _frames++;
            _codec = frame.Codec;
            if (height > 0)
            {
                _height = height;
            }

            if (_firstTimestamp == long.MinValue)
            {
                _firstTimestamp = frame.Timestamp;
            }

            _lastTimestamp = Math.Max(_lastTimestamp, frame.Timestamp);
            if (_frameDuration == 0 && frame.Duration > 0)
            {
                _frameDuration = frame.Duration;
            }

            if (_haveReport)
            {
                var sinceReport = unchecked((int)((uint)frame.Timestamp - _reportRtp));
                var captured = _reportUnixMicros + (sinceReport * MicrosPerSecond / _clockRate);
                _delay.Record((nowMicros - captured) / 1000.0);
            }
        }
    }

    /// <summary>A monitor tick at <paramref name="now"/>: closes the current second once a second has passed.</summary>
    public void Sample(long now)
    {
        lock (_gate)
        {
            if (_lastSampleAt == long.MinValue)
            {
                _lastSampleAt = now;
                _lastSampleFrames = _frames;
                return;
            }

            var elapsed = _time.GetElapsedTime(_lastSampleAt, now);
            if (elapsed < SampleEvery)
            {
                return;
            }

            if (_seconds.Count < MaxSeconds)
            {
                _seconds.Add(new StreamSecond(now, (_frames - _lastSampleFrames) / elapsed.TotalSeconds, _height));
            }

            _lastSampleAt = now;
            _lastSampleFrames = _frames;
        }
    }

    /// <summary>What was measured so far (a copy).</summary>
    public ReceivedStreamReport Report()
    {
        lock (_gate)
        {
            double? concealed = null;
            if (Kind == MediaKind.Audio && _frames > 0 && _frameDuration > 0)
            {
                var expected = ((_lastTimestamp - _firstTimestamp) / _frameDuration) + 1;
                concealed = expected <= 0 ? 0 : Math.Clamp((double)(expected - _frames) / expected, 0, 1);
            }

            return new ReceivedStreamReport(
                _frames,
                _codec,
                _delay.Count == 0 ? null : _delay.ToData(),
                concealed,
                [.. _seconds]);
        }
    }

    /// <summary>
    /// The height in a VP8 keyframe's uncompressed header (RFC 6386 §9.1: 3-byte frame tag, start code 9d 01 2a, then
    /// 14-bit width and height, little-endian, with 2 scale bits on top); 0 when the bytes are not a keyframe header.
    /// </summary>
    public static int Vp8KeyFrameHeight(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 10 || (frame[0] & 1) != 0 || frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a)
        {
            return 0;
        }

        return (frame[8] | (frame[9] << 8)) & 0x3FFF;
    }
}

/// <summary>A copy of what a <see cref="ReceivedStreamQuality"/> measured.</summary>
/// <param name="Delay">Glass-to-glass delay per frame in ms; null when no frame could be measured (no sender report).</param>
/// <param name="ConcealedShare">Audio: share of the frames the timestamps span that never arrived; null for video.</param>
public sealed record ReceivedStreamReport(
    long Frames,
    CodecId? Codec,
    Metrics.HistogramData? Delay,
    double? ConcealedShare,
    IReadOnlyList<StreamSecond> Seconds);
