using System.Globalization;

namespace CallBot.Load.Scenario;

/// <summary>
/// The scenario's <c>groups</c>: names, shares, and each group's network from the start (a preset or its own links) and
/// its <c>timeline</c> of timed changes (steps in time order, each a preset or links).
/// </summary>
internal sealed class GroupRules(ScenarioErrors errors)
{
    /// <summary>Bounds the timers a run arms per group.</summary>
    public const int MaxTimelineSteps = 64;

    public List<BotGroup> Groups(List<BotGroupSettings> groups)
    {
        var result = new List<BotGroup>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var total = 0.0;
        for (var i = 0; i < groups.Count; i++)
        {
            var g = groups[i];
            var at = $"groups[{i}]";
            if (string.IsNullOrWhiteSpace(g.Name))
            {
                errors.Add(at + ".name", "must not be empty");
            }
            else if (!names.Add(g.Name))
            {
                errors.Add(at + ".name", $"'{g.Name}' is used by an earlier group");
            }

            if (g.Share is <= 0 or > 1)
            {
                errors.Add(at + ".share", $"{g.Share.ToString(CultureInfo.InvariantCulture)} must be in (0, 1]");
            }

            total += g.Share;
            var (uplink, downlink) = Base(at, g);
            result.Add(new BotGroup(g.Name, g.Share, uplink, downlink) { Timeline = Timeline(at + ".timeline", g.Timeline) });
        }

        if (total > 1 + 1e-9)
        {
            errors.Add("groups", $"shares add up to {total.ToString("0.###", CultureInfo.InvariantCulture)}, more than 1");
        }

        return result;
    }

    /// <summary>The group's impairment from the start of the run: a preset, or its own uplink/downlink.</summary>
    private (LinkProfile? Uplink, LinkProfile? Downlink) Base(string at, BotGroupSettings g)
    {
        if (g.Preset is null)
        {
            return (Link(at + ".impairment.uplink", g.Impairment.Uplink), Link(at + ".impairment.downlink", g.Impairment.Downlink));
        }

        if (g.Impairment.Uplink is not null || g.Impairment.Downlink is not null)
        {
            errors.Add(at + ".preset", "give a preset or an impairment, not both");
        }

        return Preset(at + ".preset", g.Preset);
    }

    private (LinkProfile? Uplink, LinkProfile? Downlink) Preset(string at, string name)
    {
        if (ImpairmentPresets.TryGet(name, out var preset))
        {
            return preset;
        }

        errors.Add(at, $"unknown preset '{name}'; known: {string.Join(", ", ImpairmentPresets.Names)}");
        return (null, null);
    }

    /// <summary>Each step replaces the group's whole impairment from its <c>at</c> (a direction it omits is clean).</summary>
    private List<ImpairmentStep> Timeline(string at, List<TimelineStepSettings> steps)
    {
        var result = new List<ImpairmentStep>();
        if (steps.Count > MaxTimelineSteps)
        {
            errors.Add(at, $"{steps.Count} steps; at most {MaxTimelineSteps}");
            return result;
        }

        var previous = TimeSpan.MinValue;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var here = $"{at}[{i}]";
            var start = errors.Duration(here + ".at", step.At, positive: false);
            if (start <= previous)
            {
                errors.Add(here + ".at", $"{step.At} must come after the previous step");
            }

            previous = start;
            var (uplink, downlink) = step.Preset is null
                ? (Link(here + ".uplink", step.Uplink), Link(here + ".downlink", step.Downlink))
                : Preset(here + ".preset", step.Preset);
            if (step.Preset is not null && (step.Uplink is not null || step.Downlink is not null))
            {
                errors.Add(here + ".preset", "give a preset or uplink/downlink, not both");
            }

            result.Add(new ImpairmentStep(start, uplink, downlink));
        }

        return result;
    }

    private LinkProfile? Link(string at, LinkSettings? link)
    {
        if (link is null)
        {
            return null;
        }

        errors.Share(at + ".loss", link.Loss);
        errors.Share(at + ".reorder", link.Reorder);
        var delay = link.Delay is null ? TimeSpan.Zero : errors.Duration(at + ".delay", link.Delay, positive: false);
        var jitter = link.Jitter is null ? TimeSpan.Zero : errors.Duration(at + ".jitter", link.Jitter, positive: false);
        if (link.BandwidthKbps is <= 0)
        {
            errors.Add(at + ".bandwidth_kbps", $"{link.BandwidthKbps} must be positive");
        }

        var blackouts = new List<(TimeSpan, TimeSpan)>();
        for (var i = 0; i < link.Blackouts.Count; i++)
        {
            blackouts.Add((errors.Duration($"{at}.blackouts[{i}].at", link.Blackouts[i].At, positive: false), errors.Duration($"{at}.blackouts[{i}].duration", link.Blackouts[i].Duration, positive: true)));
        }

        return new LinkProfile(link.Loss, delay, jitter, link.Reorder, link.BandwidthKbps, blackouts) { JitterKeepsOrder = link.JitterKeepsOrder };
    }
}
