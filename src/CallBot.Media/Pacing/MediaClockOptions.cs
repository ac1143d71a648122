namespace CallBot.Media.Pacing;

/// <summary>Options of the process-wide <see cref="MediaClock"/>.</summary>
public sealed class MediaClockOptions
{
    /// <summary>
    /// Tick period. 5 ms keeps every frame within 5 ms of its due time (a quarter of an audio packet) while costing 200
    /// wake-ups a second for the whole process, however many calls it carries.
    /// </summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromMilliseconds(5);
}
