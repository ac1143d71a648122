namespace CallBot.Worker.Bots;

/// <summary>
/// A lock-free cap on concurrent calls: the process's (<c>CallBot:Concurrency:CallsPerProcess</c>, one instance shared by
/// every bot) or one bot's (<c>CallsPerBot</c>, inside its <see cref="BotCallSlots"/>).
/// </summary>
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
