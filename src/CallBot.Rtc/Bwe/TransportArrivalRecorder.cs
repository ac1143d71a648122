namespace CallBot.Rtc.Bwe;

/// <summary>
/// Receiver half of transport-wide congestion control: the arrival time of every transport sequence number of one
/// connection (all its SSRCs), turned into <see cref="TransportCc"/> feedback. The window is a fixed ring of
/// <see cref="Capacity"/> numbers, so a remote sequence number can never grow it: a jump further ahead gives up the
/// oldest unreported numbers, a number behind what was already reported is ignored (counted).
/// </summary>
/// <remarks>Not thread-safe: the receive loop records and the RTCP timer builds, both under the connection's receive lock.</remarks>
public sealed class TransportArrivalRecorder
{
    /// <summary>Sequence numbers kept (a power of two).</summary>
    public const int Capacity = 4096;

    private const int Mask = Capacity - 1;
    private readonly long[] _arrivals = new long[Capacity];
    private readonly long[] _sequences = new long[Capacity];
    private readonly long[] _scratch = new long[Capacity];
    private readonly TransportCc _feedback;
    private readonly SequenceUnwrapper _unwrapper = new();
    private readonly int _maxPacketsPerFeedback;
    private long _next = -1;
    private long _highest = -1;
    private byte _feedbackCount;

    public TransportArrivalRecorder(int maxPacketsPerFeedback = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketsPerFeedback, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPacketsPerFeedback, Capacity);
        _maxPacketsPerFeedback = maxPacketsPerFeedback;
        _feedback = TransportCc.CreateReusable(maxPacketsPerFeedback);
        Array.Fill(_sequences, -1);
    }

    /// <summary>Arrivals ignored: already reported, or a duplicate.</summary>
    public long Late { get; private set; }

    /// <summary>Sequence numbers given up unreported because the peer's numbers jumped past the window.</summary>
    public long Skipped { get; private set; }

    /// <summary>True when a number arrived that the next feedback would report.</summary>
    public bool HasPending => _highest >= _next && _next >= 0;

    /// <summary>Records that transport sequence number <paramref name="sequence"/> arrived at <paramref name="arrivalMicroseconds"/> (≥ 0, the receiver's clock).</summary>
    public void Record(ushort sequence, long arrivalMicroseconds)
    {
        var unwrapped = _unwrapper.Unwrap(sequence);
        if (_next < 0)
        {
            _next = unwrapped;
        }

        if (unwrapped < _next || _sequences[unwrapped & Mask] == unwrapped)
        {
            Late++;
            return;
        }

        if (unwrapped - _next >= Capacity)
        {
            var first = unwrapped - Capacity + 1;
            Skipped += first - _next;
            _next = first;
        }

        _sequences[unwrapped & Mask] = unwrapped;
        _arrivals[unwrapped & Mask] = arrivalMicroseconds;
        _highest = Math.Max(_highest, unwrapped);
    }

    /// <summary>
    /// Feedback for the numbers from the last one reported to the highest received, or null when nothing is pending. It
    /// is this recorder's own instance, refilled by the next call: write it out before taking the next one.
    /// </summary>
    public TransportCc? TakeFeedback(uint senderSsrc, uint mediaSsrc)
    {
        if (!HasPending)
        {
            return null;
        }

        var count = (int)Math.Min(_highest - _next + 1, _maxPacketsPerFeedback);
        var arrivals = _scratch.AsSpan(0, count);
        for (var i = 0; i < count; i++)
        {
            var sequence = _next + i;
            arrivals[i] = _sequences[sequence & Mask] == sequence ? _arrivals[sequence & Mask] : -1;
        }

        var consumed = TransportCc.BuildInto(_feedback, senderSsrc, mediaSsrc, _feedbackCount, (ushort)_next, arrivals);
        if (consumed <= 0)
        {
            // The first pending packet's delta does not fit: nothing usable, start after it.
            consumed = 1;
        }

        _next += consumed;
        _feedbackCount++;
        return _feedback.Packets.Count > 0 ? _feedback : null;
    }
}
