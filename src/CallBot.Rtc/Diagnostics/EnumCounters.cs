using System.Runtime.CompilerServices;

namespace CallBot.Rtc.Diagnostics;

/// <summary>
/// Lock-free counts, one per value of <typeparamref name="TKey"/>: incremented from any thread with <see cref="Interlocked"/>,
/// read from any thread. The one counters pattern of Rtc: a component names what it counts in an enum and exposes
/// an <see cref="EnumCounters{TKey}"/> (or a sealed subclass); readers index it by that enum.
/// </summary>
/// <typeparam name="TKey">An enum backed by <see cref="int"/> whose values run from 0 without large gaps.</typeparam>
public class EnumCounters<TKey>
    where TKey : struct, Enum
{
    // One slot per value, sized from the largest one; checked once per enum type.
    private static readonly int Slots = CountSlots();

    private readonly long[] _counts = new long[Slots];

    public long this[TKey key] => Volatile.Read(ref _counts[Index(key)]);

    /// <summary>Sum over every key.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                total += Volatile.Read(ref _counts[i]);
            }

            return total;
        }
    }

    /// <summary>Adds one to key's count and returns key, so a drop site can count and report its reason in one expression.</summary>
    internal TKey Count(TKey key)
    {
        Interlocked.Increment(ref _counts[Index(key)]);
        return key;
    }

    // Allocation-free enum-to-int: the hot paths (every datagram, every SRTP packet) count through here.
    private static int Index(TKey key) => Unsafe.As<TKey, int>(ref key);

    private static int CountSlots()
    {
        if (Enum.GetUnderlyingType(typeof(TKey)) != typeof(int))
        {
            throw new InvalidOperationException($"{typeof(TKey).Name} must be backed by int to index counters.");
        }

        var largest = 0;
        foreach (var value in Enum.GetValues<TKey>())
        {
            var index = Index(value);
            if (index < 0)
            {
                throw new InvalidOperationException($"{typeof(TKey).Name}.{value} is negative; counters need values from 0.");
            }

            largest = Math.Max(largest, index);
        }

        return largest + 1;
    }
}
