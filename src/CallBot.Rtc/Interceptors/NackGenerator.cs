using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// Generic NACK generation for one receive stream (RFC 4585 §6.2.1): the sequence numbers the jitter buffer still
/// waits for, at most once per <c>interval</c>. The interval is spent only when something is missing, so the first NACK
/// for a new gap goes out on the next timer tick. A sequence number is asked for again every interval until it arrives
/// or the jitter buffer gives up on it (a lost retransmission gets another chance). Timer thread, receive lock held.
/// </summary>
public sealed class NackGenerator(TimeProvider time, TimeSpan interval)
{
    private long _last = long.MinValue;

    public long NacksSent { get; private set; }

    /// <summary>Writes the sequence numbers to NACK into <paramref name="missing"/>; returns how many (0 = send nothing now).</summary>
    public int Collect(RtpStreamReceiver receiver, Span<ushort> missing)
    {
        var now = time.GetTimestamp();
        if (_last != long.MinValue && time.GetElapsedTime(_last, now) < interval)
        {
            return 0;
        }

        var count = receiver.GetMissing(missing);
        if (count > 0)
        {
            _last = now;
            NacksSent++;
        }

        return count;
    }
}
