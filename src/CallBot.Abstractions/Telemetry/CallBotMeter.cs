using System.Diagnostics.Metrics;

namespace CallBot.Abstractions.Telemetry;

/// <summary>
/// The one <c>CallBot</c> meter every project records on (calls, recording, delivery, load), so an exporter that listens
/// to one name sees them all.
/// </summary>
public static class CallBotMeter
{
    public const string Name = "CallBot";

    /// <summary>The meter from the host's factory, or a private one when a library is used without DI (tests, tools).</summary>
    public static Meter Create(IMeterFactory? meterFactory) => meterFactory?.Create(Name) ?? new Meter(Name);
}
