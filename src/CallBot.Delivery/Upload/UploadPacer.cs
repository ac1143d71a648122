namespace CallBot.Delivery.Upload;

/// <summary>
/// Caps the upload rate (<see cref="UploadOptions.MaxBytesPerSecond"/>) across all parts in flight: each part reserves
/// its slot on one timeline and waits until the slot starts, so the long-run rate never exceeds the cap.
/// </summary>
internal sealed class UploadPacer(long bytesPerSecond, TimeProvider time)
{
    private readonly Lock _lock = new();
    private DateTimeOffset _nextFree = DateTimeOffset.MinValue;

    public Task WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        if (bytesPerSecond <= 0)
        {
            return Task.CompletedTask;
        }

        var now = time.GetUtcNow();
        DateTimeOffset start;
        lock (_lock)
        {
            start = _nextFree > now ? _nextFree : now;
            _nextFree = start + TimeSpan.FromSeconds((double)bytes / bytesPerSecond);
        }

        return start > now ? Task.Delay(start - now, time, cancellationToken) : Task.CompletedTask;
    }
}
