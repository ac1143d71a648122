namespace CallBot.Load.Scenario;

// The YAML shape of `callbot load SCENARIO.yaml` (snake_case keys). Classes are mutable because YamlDotNet fills them;
// ScenarioLoader validates the whole tree before anything reads it, so the typed accessors below never see bad text.

/// <summary>A load or soak scenario: who calls whom, how often, with what media, over which network, judged by which thresholds.</summary>
public sealed class LoadScenario
{
    public string Name { get; set; } = "scenario";

    /// <summary>Seed of the planner (who calls whom, durations, flags); the same seed gives the same plan.</summary>
    public int Seed { get; set; } = 1;

    public ChatSettings? Chat { get; set; }

    public UserPoolSettings? Users { get; set; }

    public CallSettings Calls { get; set; } = new();

    public LoadShape? Load { get; set; }

    public MediaProfileSettings Media { get; set; } = new();

    /// <summary>Bot groups with their own network impairment; users not in any group get a clean network.</summary>
    public List<BotGroupSettings> Groups { get; set; } = [];

    /// <summary>Metric name → k6-style expressions, e.g. <c>call_setup_ms: ["p(95) &lt; 800"]</c>.</summary>
    public Dictionary<string, List<string>> Thresholds { get; set; } = [];

    public SoakSettings? Soak { get; set; }

    /// <summary>Width of the report's time buckets.</summary>
    public string Window { get; set; } = "1s";
}

public sealed class ChatSettings
{
    /// <summary>XMPP endpoint, e.g. <c>tcp://127.0.0.1:5222</c>, <c>wss://chat.connectycube.com:5291/ws</c>.</summary>
    public string Endpoint { get; set; } = "";

    public string AppId { get; set; } = "";

    /// <summary>XMPP domain of the user JIDs (defaults to the endpoint host).</summary>
    public string? Domain { get; set; }

    /// <summary>TLS on <c>tcp://</c> endpoints: <c>starttls</c> (default), <c>direct</c>, or <c>none</c> (loopback only).</summary>
    public string? Tls { get; set; }
}

/// <summary>Exactly one of <see cref="List"/>, <see cref="Range"/>, <see cref="File"/>.</summary>
public sealed class UserPoolSettings
{
    public List<UserEntry>? List { get; set; }

    public UserRangeSettings? Range { get; set; }

    /// <summary>CSV file (id,login,password per line; '#' comments), relative to the scenario file.</summary>
    public string? File { get; set; }
}

public sealed class UserEntry
{
    public long Id { get; set; }

    public string? Login { get; set; }

    public string Password { get; set; } = "";
}

public sealed class UserRangeSettings
{
    public long From { get; set; }

    public long To { get; set; }

    /// <summary>Login pattern; <c>{id}</c> is replaced by the user id. Defaults to the id itself.</summary>
    public string? Login { get; set; }

    /// <summary>Password pattern, e.g. <c>bot-{id}</c>.</summary>
    public string Password { get; set; } = "";
}

public sealed class CallSettings
{
    /// <summary><c>pairs</c> (1:1 calls) or <c>mesh</c> (groups of <see cref="GroupSize"/>, at most 4).</summary>
    public string Pattern { get; set; } = "pairs";

    public int GroupSize { get; set; } = 2;

    /// <summary>Share of the pool that only places calls (the rest only answers); null lets anyone do both.</summary>
    public double? CallerRatio { get; set; }

    public DistributionSettings Duration { get; set; } = new() { Fixed = "30s" };

    public DistributionSettings AnswerDelay { get; set; } = new() { Fixed = "0s" };

    /// <summary>How long the caller waits before giving up on an unanswered call.</summary>
    public string RingTimeout { get; set; } = "30s";

    public double RejectShare { get; set; }

    public double NoAnswerShare { get; set; }

    public double RecordShare { get; set; }
}

/// <summary>Exactly one of fixed, uniform, normal; durations as text (<c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>).</summary>
public sealed class DistributionSettings
{
    public string? Fixed { get; set; }

    public UniformSettings? Uniform { get; set; }

    public NormalSettings? Normal { get; set; }
}

public sealed class UniformSettings
{
    public string Min { get; set; } = "";

    public string Max { get; set; } = "";
}

/// <summary>Normal distribution clamped to [min, max] (min defaults to 0).</summary>
public sealed class NormalSettings
{
    public string Mean { get; set; } = "";

    public string Stddev { get; set; } = "";

    public string? Min { get; set; }

    public string? Max { get; set; }
}

public sealed class LoadShape
{
    /// <summary><c>concurrency</c> (target = concurrent calls) or <c>arrival_rate</c> (target = new calls per second).</summary>
    public string Executor { get; set; } = "concurrency";

    /// <summary>Target at time zero; each stage moves linearly from the previous target to its own.</summary>
    public double StartTarget { get; set; }

    public List<StageSettings> Stages { get; set; } = [];
}

public sealed class StageSettings
{
    public string Duration { get; set; } = "";

    public double Target { get; set; }
}

public sealed class MediaProfileSettings
{
    public bool AudioOnly { get; set; }

    /// <summary><c>opus</c> or <c>none</c>.</summary>
    public string Audio { get; set; } = "opus";

    /// <summary>A mapping, or the scalar <c>none</c> (an audio call, like <see cref="AudioOnly"/>).</summary>
    public VideoProfileSettings Video { get; set; } = new();

    /// <summary>Calls are video calls (callType video): neither <c>audio_only</c> nor <c>video: none</c>.</summary>
    public bool SendsVideo => !AudioOnly && !Video.Disabled;

    /// <summary>Bots send Opus; with <c>audio: none</c> the audio m-line is negotiated but nothing is sent on it.</summary>
    public bool SendsAudio => Audio != "none";
}

public sealed class VideoProfileSettings
{
    /// <summary>The scenario said <c>video: none</c>.</summary>
    [YamlDotNet.Serialization.YamlIgnore]
    public bool Disabled { get; set; }

    /// <summary><c>vp8</c> or <c>h264</c>.</summary>
    public string Codec { get; set; } = "vp8";

    public int Width { get; set; } = 640;

    public int Height { get; set; } = 360;

    public int Fps { get; set; } = 30;

    public int BitrateKbps { get; set; } = 600;
}

public sealed class BotGroupSettings
{
    public string Name { get; set; } = "";

    /// <summary>Share of the user pool in this group (groups take consecutive slices of the pool, in order).</summary>
    public double Share { get; set; }

    public ImpairmentSettings Impairment { get; set; } = new();

    /// <summary>A named network (3g, 4g, lossy-5, lossy-10, lossy-20, high-jitter, clean) instead of <see cref="Impairment"/>.</summary>
    public string? Preset { get; set; }

    /// <summary>Timed changes of the group's network, in time order.</summary>
    public List<TimelineStepSettings> Timeline { get; set; } = [];
}

/// <summary>One timed change: from <see cref="At"/> (since the start of the run) the group's network is a preset or these links.</summary>
public sealed class TimelineStepSettings
{
    public string At { get; set; } = "";

    public string? Preset { get; set; }

    public LinkSettings? Uplink { get; set; }

    public LinkSettings? Downlink { get; set; }
}

/// <summary>Network impairment applied in CallBot's own socket layer; uplink = what the bot sends.</summary>
public sealed class ImpairmentSettings
{
    public LinkSettings? Uplink { get; set; }

    public LinkSettings? Downlink { get; set; }
}

public sealed class LinkSettings
{
    public double Loss { get; set; }

    public string? Delay { get; set; }

    public string? Jitter { get; set; }

    /// <summary>True (default): jitter keeps datagrams in order (a queue's varying delay); false: netem-style independent delays that reorder.</summary>
    public bool JitterKeepsOrder { get; set; } = true;

    public double Reorder { get; set; }

    public int? BandwidthKbps { get; set; }

    public List<BlackoutSettings> Blackouts { get; set; } = [];
}

public sealed class BlackoutSettings
{
    /// <summary>Start, relative to the start of the run.</summary>
    public string At { get; set; } = "";

    public string Duration { get; set; } = "";
}

public sealed class SoakSettings
{
    public string SampleInterval { get; set; } = "10s";

    /// <summary>
    /// Start of the hold the leak verdicts skip: JIT tiering, buffer pools and the GC's generation budgets settle in the
    /// first minutes, and their one-off growth is not a leak. At most half of the hold is skipped.
    /// </summary>
    public string Warmup { get; set; } = "10m";

    /// <summary>
    /// Memory verdicts fit the lowest sample of each window this long (the memory left after the GC's collections), not
    /// every sample: a GC'd process's RSS is a sawtooth, and where the run ends within a cycle would tilt a plain fit.
    /// Make it longer than one full-collection cycle; with fewer than three windows the plain fit of all samples judges.
    /// </summary>
    public string FloorWindow { get; set; } = "10m";

    public double MaxRssSlopeMbPerHour { get; set; } = 20;

    public double MaxGcHeapSlopeMbPerHour { get; set; } = 20;

    public double MaxThreadSlopePerHour { get; set; } = 5;

    public double MaxSocketSlopePerHour { get; set; } = 10;
}
