using CallBot.Load.Scenario;
using CallBot.Rtc.Transport;

namespace CallBot.Worker.Load;

/// <summary>
/// The scenario's bot groups as CallBot's own socket layer (<see cref="ImpairedSocketFactory"/>). A group with a timeline
/// has one <see cref="ImpairmentControl"/> that all its users' sockets follow; <see cref="Start"/> (the first call of the
/// run, the same moment blackout windows count from) arms one timer per step.
/// </summary>
internal sealed class LoadImpairment : IDisposable
{
    private readonly LoadedScenario _scenario;
    private readonly ImpairmentScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ImpairmentControl> _controls = new(StringComparer.Ordinal);
    private readonly List<ITimer> _timers = [];
    private readonly Lock _gate = new();
    private bool _started;

    public LoadImpairment(LoadedScenario scenario, ImpairmentScheduler scheduler, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        _scheduler = scheduler;
        _time = time;
        foreach (var group in scenario.Groups.Where(g => g.Timeline.Count > 0))
        {
            _controls[group.Name] = new ImpairmentControl(Profile(group.Uplink, group.Downlink));
        }
    }

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

    /// <summary>The control a timed group's sockets follow (null for a group without a timeline).</summary>
    public ImpairmentControl? ControlOf(string group) => _controls.GetValueOrDefault(group);

    /// <summary>The user's sockets: plain UDP, or impaired by its group (seeded by the user id, so runs repeat).</summary>
    public IDatagramSocketFactory? SocketsFor(LoadUser user, IDatagramSocketFactory? inner = null)
    {
        if (_scenario.GroupOf(user) is not { } group)
        {
            return null;
        }

        var seed = unchecked((int)user.Id);
        inner ??= UdpSocketFactory.Instance;
        if (_controls.TryGetValue(group.Name, out var control))
        {
            return new ImpairedSocketFactory(inner, control, _scheduler, seed);
        }

        var profile = Profile(group.Uplink, group.Downlink);
        return profile.Uplink.IsNone && profile.Downlink.IsNone ? null : new ImpairedSocketFactory(inner, profile, _scheduler, seed);
    }

    /// <summary>Arms the timelines (once): each step's profile applies from its <c>at</c>, counted from now.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_started)
            {
                return;
            }

            _started = true;
            foreach (var group in _scenario.Groups)
            {
                if (!_controls.TryGetValue(group.Name, out var control))
                {
                    continue;
                }

                foreach (var step in group.Timeline)
                {
                    var profile = Profile(step.Uplink, step.Downlink);
                    _timers.Add(_time.CreateTimer(_ => control.Set(profile), null, step.At, Timeout.InfiniteTimeSpan));
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }
    }

    private static ImpairmentProfile Profile(LinkProfile? uplink, LinkProfile? downlink) => new(ToRtc(uplink), ToRtc(downlink));
}
