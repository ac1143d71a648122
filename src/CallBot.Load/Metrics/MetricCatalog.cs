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
    public const string VideoDelayMs = "video_delay_ms";
    public const string AudioDelayMs = "audio_delay_ms";
    public const string AvOffsetMs = "av_offset_ms";
    public const string VideoFps = "video_fps";
    public const string VideoHeight = "video_height";
    public const string VideoFreezes = "video_freezes";
    public const string VideoPlayoutFreezes = "video_playout_freezes";
    public const string VideoFreezeMs = "video_freeze_ms";
    public const string VideoPauses = "video_pauses";
    public const string AudioConcealedShare = "audio_concealed_share";
    public const string VideoRecoveryMs = "video_recovery_ms";
    public const string VideoUnrecovered = "video_unrecovered";

    /// <summary>Tag keys a series may be split by: the bot group (of the receiver for stream metrics, of the caller for call metrics) and the call shape.</summary>
    public const string GroupTag = "group";
    public const string ShapeTag = "shape";

    /// <summary>Longest tag value accepted in a threshold name (group names are the scenario's own).</summary>
    public const int MaxTagValueLength = 64;

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
        [VideoDelayMs] = MetricKind.Trend,
        [AudioDelayMs] = MetricKind.Trend,
        [AvOffsetMs] = MetricKind.Trend,
        [VideoFps] = MetricKind.Trend,
        [VideoHeight] = MetricKind.Trend,
        [VideoFreezes] = MetricKind.Counter,
        [VideoPlayoutFreezes] = MetricKind.Counter,
        [VideoFreezeMs] = MetricKind.Trend,
        [VideoPauses] = MetricKind.Counter,
        [AudioConcealedShare] = MetricKind.Trend,
        [VideoRecoveryMs] = MetricKind.Trend,
        [VideoUnrecovered] = MetricKind.Counter,
    };

    /// <summary>Unit and one-line description of the receive-quality metrics (definitions and sources: docs/load/README.md).</summary>
    public static IReadOnlyDictionary<string, (string Unit, string Description)> Descriptions { get; } = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        [VideoDelayMs] = ("ms", "Glass-to-glass delay of each received video frame: sender's capture (RTP timestamp via its RTCP SR) to the complete frame at the receiver"),
        [AudioDelayMs] = ("ms", "Glass-to-glass delay of each received audio frame, measured like video_delay_ms"),
        [AvOffsetMs] = ("ms", "Per receiver and sender: |median audio delay − median video delay|"),
        [VideoFps] = ("{frame}/s", "Mean received frames per second of each video stream"),
        [VideoHeight] = ("px", "Mean received height of each VP8 video stream (from keyframe headers), per second sampled"),
        [VideoFreezes] = ("{freeze}", "Video freezes by the W3C webrtc-stats definition: a frame gap ≥ max(3 × mean interval, mean + 150 ms)"),
        [VideoPlayoutFreezes] = ("{freeze}", "Video freezes by the same rule at the render times of a modelled adaptive playout buffer (what a browser's freezeCount measures)"),
        [VideoFreezeMs] = ("ms", "Total time each video stream spent frozen (W3C totalFreezesDuration)"),
        [VideoPauses] = ("{pause}", "Video gaps longer than 5 s (W3C pauses)"),
        [AudioConcealedShare] = ("1", "Share of each audio stream's frames (by RTP timestamp span) that never arrived and had to be concealed"),
        [VideoRecoveryMs] = ("ms", "Time after an impairment window of the group's timeline until the stream's fps is back to 90 % of its own baseline"),
        [VideoUnrecovered] = ("{window}", "Impairment windows after which a stream's fps never got back to 90 % of its baseline"),
        [AudioMos] = ("{mos}", "G.107 E-model MOS of each audio stream: codec, RTP loss, 2 × jitter buffer, codec delay and the measured audio delay"),
    };

    /// <summary>The tagged series name, k6-style: <c>video_fps{group:mobile}</c>.</summary>
    public static string Tagged(string metric, string key, string value) => $"{metric}{{{key}:{value}}}";

    /// <summary>Splits <c>metric{key:value}</c> (or a bare metric name, with key and value null); false when malformed.</summary>
    public static bool TryParseName(string name, out string metric, out string? key, out string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        metric = name;
        key = null;
        value = null;
        var open = name.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return true;
        }

        var colon = name.IndexOf(':', open);
        if (!name.EndsWith('}') || colon < 0 || colon == open + 1 || colon == name.Length - 2)
        {
            return false;
        }

        metric = name[..open];
        key = name[(open + 1)..colon];
        value = name[(colon + 1)..^1];
        return !value.Contains('}', StringComparison.Ordinal) && !value.Contains('{', StringComparison.Ordinal);
    }

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
        [VideoDelayMs] = MetricUnits.Milliseconds,
        [AudioDelayMs] = MetricUnits.Milliseconds,
        [AvOffsetMs] = MetricUnits.Milliseconds,
        [VideoFps] = MetricUnits.FramesPerSecond,
        [VideoHeight] = MetricUnits.Pixels,
        [VideoFreezes] = MetricUnits.Count,
        [VideoPlayoutFreezes] = MetricUnits.Count,
        [VideoFreezeMs] = MetricUnits.Milliseconds,
        [VideoPauses] = MetricUnits.Count,
        [AudioConcealedShare] = MetricUnits.Fraction,
        [VideoRecoveryMs] = MetricUnits.Milliseconds,
        [VideoUnrecovered] = MetricUnits.Count,
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
