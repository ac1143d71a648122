using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Options;

/// <summary>Metrics, traces and health. Section <c>CallBot:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "CallBot:Telemetry";

    /// <summary>OTLP endpoint (e.g. <c>http://otel-collector:4317</c>); empty = no OTLP export.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Prometheus scrape listener, e.g. <c>http://127.0.0.1:9464/</c> (serves <c>/metrics</c>); empty = off.</summary>
    public string? PrometheusPrefix { get; set; }

    /// <summary>Print metrics to the console (local runs).</summary>
    public bool Console { get; set; }

    /// <summary>Health endpoints <c>/healthz</c> and <c>/readyz</c>; loopback by default. Empty = off.</summary>
    public string? HealthPrefix { get; set; } = "http://127.0.0.1:8080/";

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
