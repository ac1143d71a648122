namespace CallBot.Load.Planning;

/// <summary>
/// Seeds derived from several integers, identical in every process (unlike <see cref="HashCode"/>, which is randomised
/// per process): shards planned in different processes or containers must agree. SplitMix64 finaliser per input.
/// </summary>
public static class StableSeed
{
    public static int Mix(int a, int b, int c = 0)
    {
        var x = Step((ulong)(uint)a);
        x = Step(x ^ (uint)b);
        x = Step(x ^ (uint)c);
        return (int)(x & int.MaxValue);
    }

    private static ulong Step(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
