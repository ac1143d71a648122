using System.Diagnostics.Metrics;
using CallBot.Abstractions.Telemetry;

namespace CallBot.Rtc.Bwe;

/// <summary>
/// OpenTelemetry instruments of the send-side estimate and the pacer, on the one <c>CallBot</c> meter
/// (<see cref="CallBotMeter"/>, which the worker's OpenTelemetry setup already exports). Connections are created without
/// DI, so the meter is the library's own instance of that name; recording without tags allocates nothing (the pacer
/// records per paced packet).
/// </summary>
internal static class BweMetrics
{
    private static readonly Meter Meter = CallBotMeter.Create(meterFactory: null);

    /// <summary>The transport-cc estimate of a connection after each feedback that changed nothing or something.</summary>
    public static readonly Histogram<long> Estimate = Meter.CreateHistogram<long>(
        "callbot.rtc.bwe.estimate", "bit/s", "Send-side (transport-cc) bandwidth estimate, recorded at each feedback.");

    /// <summary>Delay-based decreases (congestion events).</summary>
    public static readonly Counter<long> Decreases = Meter.CreateCounter<long>(
        "callbot.rtc.bwe.decreases", "{event}", "Delay-based decreases of the send-side estimate (congestion events).");

    /// <summary>Probe clusters sent in full (<see cref="ProbeSender"/>).</summary>
    public static readonly Counter<long> ProbeClusters = Meter.CreateCounter<long>(
        "callbot.rtc.bwe.probe_clusters", "{cluster}", "Probe clusters sent (padding at a probe rate, to measure the path).");

    /// <summary>Each valid probe result.</summary>
    public static readonly Histogram<long> ProbeResults = Meter.CreateHistogram<long>(
        "callbot.rtc.bwe.probe_result", "bit/s", "Rate a probe cluster measured from its transport-cc feedback.");

    /// <summary>Probes not sent because the per-window cluster budget or the queue was full.</summary>
    public static readonly Counter<long> ProbesSuppressed = Meter.CreateCounter<long>(
        "callbot.rtc.bwe.probes_suppressed", "{cluster}", "Probe clusters not sent: the per-connection budget (6 per 10 s) or queue was full.");

    /// <summary>How long each paced packet waited in the pacer.</summary>
    public static readonly Histogram<double> PacerQueueDelay = Meter.CreateHistogram<double>(
        "callbot.rtc.pacer.queue_delay", "ms", "Time each paced video packet waited in the pacer before it was sent.");

    /// <summary>Packets sent at once because the pacer's queue was full.</summary>
    public static readonly Counter<long> PacerOverflows = Meter.CreateCounter<long>(
        "callbot.rtc.pacer.overflows", "{packet}", "Video packets sent unpaced because the pacer's queue was full.");
}
