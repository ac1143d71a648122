namespace CallBot.Rtc.Srtp;

/// <summary>Drop counts per <see cref="SrtpDropReason"/>. Written by the context's owner thread; safe to read from any thread.</summary>
public sealed class SrtpDropCounters
{
    private readonly long[] counts = new long[(int)SrtpDropReason.TooManyStreams + 1];

    public long this[SrtpDropReason reason] => Volatile.Read(ref counts[(int)reason]);

    /// <summary>Sum over every reason.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            for (var i = 1; i < counts.Length; i++)
            {
                total += Volatile.Read(ref counts[i]);
            }

            return total;
        }
    }

    internal SrtpDropReason Count(SrtpDropReason reason)
    {
        Interlocked.Increment(ref counts[(int)reason]);
        return reason;
    }
}
