namespace CallBot.Signaling.Xmpp;

/// <summary>
/// Passes everything to an inner <see cref="TimeProvider"/> and calls <see cref="TimerCreated"/> after each timer it
/// created is registered. The reconnect pipeline's only timer is Polly's retry delay, so this is the moment the next
/// attempt is scheduled: observers told then can advance a fake clock and know the retry will fire.
/// </summary>
internal sealed class TimerCreationNotifyingTimeProvider(TimeProvider inner) : TimeProvider
{
    public Action? TimerCreated { get; set; }

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = inner.CreateTimer(callback, state, dueTime, period);
        TimerCreated?.Invoke();
        return timer;
    }
}
