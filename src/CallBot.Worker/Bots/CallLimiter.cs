namespace CallBot.Worker.Bots;

/// <summary>A process-wide cap on concurrent calls (<c>CallBot:Concurrency:CallsPerProcess</c>), shared by every bot.</summary>
public sealed class CallLimiter(int capacity)
{
    private int _active;

    public int Capacity { get; } = capacity;

    public int Active => Volatile.Read(ref _active);

    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _active);
            if (current >= Capacity)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _active, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release() => Interlocked.Decrement(ref _active);
}
