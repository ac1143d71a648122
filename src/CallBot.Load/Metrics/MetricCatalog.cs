namespace CallBot.Load.Metrics;

public enum MetricKind
{
    /// <summary>A distribution of values (percentiles, avg, min, max, med, count).</summary>
    Trend,

    /// <summary>A share of true outcomes (rate = passes / total; count = total).</summary>
    Rate,

    /// <summary>A sum (count; rate = count per second of run time).</summary>
    Counter,
}

/// <summary>The metrics a load run produces; thresholds may name only these.</summary>
public static class MetricCatalog
{
    public const string ChatLoginMs = "chat_login_ms";
    public const string CallAcceptMs = "call_accept_ms";
    public const string CallSetupMs = "call_setup_ms";
    public const string FirstFrameMs = "first_frame_ms";
    public const string DtlsHandshakeMs = "dtls_handshake_ms";
    public const string CallSuccessRate = "call_success_rate";
    public const string Calls = "calls";
    public const string CallFailures = "call_failures";
    public const string VideoPacketLoss = "video_packet_loss";
    public const string AudioPacketLoss = "audio_packet_loss";
    public const string VideoJitterMs = "video_jitter_ms";
    public const string AudioJitterMs = "audio_jitter_ms";
    public const string RttMs = "rtt_ms";
    public const string FramesReceivedRatio = "frames_received_ratio";
    public const string Freezes = "freezes";
    public const string IceRestarts = "ice_restarts";
    public const string ChatReconnects = "chat_reconnects";
    public const string AudioMos = "audio_mos";

    public static IReadOnlyDictionary<string, MetricKind> Kinds { get; } = new Dictionary<string, MetricKind>(StringComparer.Ordinal)
    {
        [ChatLoginMs] = MetricKind.Trend,
        [CallAcceptMs] = MetricKind.Trend,
        [CallSetupMs] = MetricKind.Trend,
        [FirstFrameMs] = MetricKind.Trend,
        [DtlsHandshakeMs] = MetricKind.Trend,
        [CallSuccessRate] = MetricKind.Rate,
        [Calls] = MetricKind.Counter,
        [CallFailures] = MetricKind.Counter,
        [VideoPacketLoss] = MetricKind.Trend,
        [AudioPacketLoss] = MetricKind.Trend,
        [VideoJitterMs] = MetricKind.Trend,
        [AudioJitterMs] = MetricKind.Trend,
        [RttMs] = MetricKind.Trend,
        [FramesReceivedRatio] = MetricKind.Trend,
        [Freezes] = MetricKind.Counter,
        [IceRestarts] = MetricKind.Counter,
        [ChatReconnects] = MetricKind.Counter,
        [AudioMos] = MetricKind.Trend,
    };

    /// <summary>
    /// Each metric's unit, as docs/load/README.md names it (a test holds the two together): <c>ms</c>, <c>fraction</c>
    /// (0..1), <c>ratio</c>, <c>mos</c> (1..4.5), <c>fps</c>, <c>px</c> or <c>count</c>. The live histograms pick their buckets by it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Units { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ChatLoginMs] = MetricUnits.Milliseconds,
        [CallAcceptMs] = MetricUnits.Milliseconds,
        [CallSetupMs] = MetricUnits.Milliseconds,
        [FirstFrameMs] = MetricUnits.Milliseconds,
        [DtlsHandshakeMs] = MetricUnits.Milliseconds,
        [CallSuccessRate] = MetricUnits.Fraction,
        [Calls] = MetricUnits.Count,
        [CallFailures] = MetricUnits.Count,
        [VideoPacketLoss] = MetricUnits.Fraction,
        [AudioPacketLoss] = MetricUnits.Fraction,
        [VideoJitterMs] = MetricUnits.Milliseconds,
        [AudioJitterMs] = MetricUnits.Milliseconds,
        [RttMs] = MetricUnits.Milliseconds,
        [FramesReceivedRatio] = MetricUnits.Ratio,
        [Freezes] = MetricUnits.Count,
        [IceRestarts] = MetricUnits.Count,
        [ChatReconnects] = MetricUnits.Count,
        [AudioMos] = MetricUnits.Mos,
    };
}

/// <summary>The units of <see cref="MetricCatalog.Units"/>.</summary>
public static class MetricUnits
{
    public const string Milliseconds = "ms";
    public const string Fraction = "fraction";
    public const string Ratio = "ratio";
    public const string Mos = "mos";
    public const string Count = "count";
    public const string FramesPerSecond = "fps";
    public const string Pixels = "px";
}
