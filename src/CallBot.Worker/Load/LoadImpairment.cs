using CallBot.Load.Scenario;
using CallBot.Rtc.Transport;

namespace CallBot.Worker.Load;

/// <summary>A scenario bot group's impairment as CallBot's own socket layer (<see cref="ImpairedSocketFactory"/>).</summary>
internal static class LoadImpairment
{
    public static LinkImpairment ToRtc(LinkProfile? profile) => profile is null ? LinkImpairment.None : new LinkImpairment
    {
        LossRate = profile.Loss,
        Delay = profile.Delay,
        Jitter = profile.Jitter,
        JitterKeepsOrder = profile.JitterKeepsOrder,
        ReorderRate = profile.Reorder,
        BandwidthKbps = profile.BandwidthKbps ?? 0,
        Blackouts = [.. profile.Blackouts.Select(b => new BlackoutWindow(b.At, b.Duration))],
    };

    /// <summary>The user's sockets: plain UDP, or impaired by its group (seeded by the user id, so runs repeat).</summary>
    public static IDatagramSocketFactory? SocketsFor(LoadedScenario scenario, LoadUser user, ImpairmentScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (scenario.GroupOf(user) is not { } group)
        {
            return null;
        }

        var profile = new ImpairmentProfile(ToRtc(group.Uplink), ToRtc(group.Downlink));
        return profile.Uplink.IsNone && profile.Downlink.IsNone
            ? null
            : new ImpairedSocketFactory(UdpSocketFactory.Instance, profile, scheduler, seed: unchecked((int)user.Id));
    }
}
