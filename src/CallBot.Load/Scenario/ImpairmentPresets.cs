namespace CallBot.Load.Scenario;

/// <summary>
/// Named networks for <c>groups[].preset</c> and timeline steps, documented with their values in docs/load/README.md.
/// Delays are one way, per direction; rates are what the link carries (the shaper queues up to 300 ms, then drops).
/// </summary>
public static class ImpairmentPresets
{
    private static readonly Dictionary<string, (LinkProfile? Uplink, LinkProfile? Downlink)> Table = new(StringComparer.Ordinal)
    {
        ["clean"] = (null, null),
        ["3g"] = (Mobile(100, 20, 0.01, 750), Mobile(100, 20, 0.01, 1600)),
        ["4g"] = (Mobile(40, 10, 0.002, 5000), Mobile(40, 10, 0.002, 12000)),
        ["lossy-5"] = (Loss(0.05), Loss(0.05)),
        ["lossy-10"] = (Loss(0.10), Loss(0.10)),
        ["lossy-20"] = (Loss(0.20), Loss(0.20)),
        ["high-jitter"] = (Jitter(), Jitter()),
    };

    public static IEnumerable<string> Names => Table.Keys;

    public static bool TryGet(string name, out (LinkProfile? Uplink, LinkProfile? Downlink) preset) => Table.TryGetValue(name, out preset);

    private static LinkProfile Mobile(int delayMs, int jitterMs, double loss, int kbps) =>
        new(loss, TimeSpan.FromMilliseconds(delayMs), TimeSpan.FromMilliseconds(jitterMs), 0, kbps, []);

    private static LinkProfile Loss(double loss) => new(loss, TimeSpan.Zero, TimeSpan.Zero, 0, null, []);

    /// <summary>50 ± 50 ms: delays vary by the whole delay, in order (a queue whose depth swings), no loss.</summary>
    private static LinkProfile Jitter() => new(0, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50), 0, null, []);
}
