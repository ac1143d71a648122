using CallBot.Load.Scenario;

namespace CallBot.Load.Quality;

/// <summary>
/// The stretches of a group's timeline during which its network differed from the group's own starting network and
/// after which it was back to it (the windows <see cref="RecoveryTime"/> measures from): from the first step away from
/// the starting network to the step that restores it. A window still open at the end of the timeline has no recovery to
/// measure and is left out.
/// </summary>
public static class ImpairmentWindows
{
    public static List<(TimeSpan Start, TimeSpan End)> Of(BotGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var windows = new List<(TimeSpan, TimeSpan)>();
        TimeSpan? since = null;
        foreach (var step in group.Timeline)
        {
            var atBase = Same(step.Uplink, group.Uplink) && Same(step.Downlink, group.Downlink);
            if (!atBase && since is null)
            {
                since = step.At;
            }
            else if (atBase && since is { } start)
            {
                windows.Add((start, step.At));
                since = null;
            }
        }

        return windows;
    }

    private static bool Same(LinkProfile? a, LinkProfile? b)
    {
        if (IsClean(a) || IsClean(b))
        {
            return IsClean(a) && IsClean(b);
        }

        return a!.Loss == b!.Loss && a.Delay == b.Delay && a.Jitter == b.Jitter && a.Reorder == b.Reorder && a.BandwidthKbps == b.BandwidthKbps
            && a.JitterKeepsOrder == b.JitterKeepsOrder && a.Blackouts.SequenceEqual(b.Blackouts);
    }

    private static bool IsClean(LinkProfile? link) =>
        link is null || (link.Loss == 0 && link.Delay == TimeSpan.Zero && link.Jitter == TimeSpan.Zero && link.Reorder == 0 && link.BandwidthKbps is null && link.Blackouts.Count == 0);
}
