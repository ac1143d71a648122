using System.Globalization;
using CallBot.Load.Scenario;
using CallBot.Worker.Options;

namespace CallBot.Worker.Load;

/// <summary>
/// A scenario as the worker's configuration keys (chat endpoint, ring timeout, media profile, recording folder), so the
/// load command builds the same validated host as every other command. A <c>--config</c> file can add to them.
/// </summary>
internal static class LoadHostSettings
{
    public static Dictionary<string, string?> From(LoadedScenario scenario, string outputDirectory, bool loopbackCandidates)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var source = scenario.Source;
        var chat = source.Chat ?? new ChatSettings();
        var video = source.Media.Video;
        var settings = new Dictionary<string, string?>
        {
            [$"{ChatOptions.Section}:Endpoint"] = chat.Endpoint,
            [$"{ChatOptions.Section}:AppId"] = chat.AppId,
            [$"{VideoChatOptions.Section}:AnswerTimeInterval"] = Seconds(scenario.RingTimeout),
            // The call offer is re-sent every dialing interval until the ring timeout; it must be the shorter of the two.
            [$"{VideoChatOptions.Section}:DialingTimeInterval"] = DialingSeconds(scenario.RingTimeout),
            [$"{MediaOptions.Section}:Source"] = nameof(MediaSourceKind.Synthetic),
            [$"{MediaOptions.Section}:VideoCodec"] = video.Codec,
            [$"{MediaOptions.Section}:Width"] = Invariant(video.Width),
            [$"{MediaOptions.Section}:Height"] = Invariant(video.Height),
            [$"{MediaOptions.Section}:FrameRate"] = Invariant(video.Fps),
            [$"{MediaOptions.Section}:VideoBitrateKbps"] = Invariant(video.BitrateKbps),
            [$"{MediaOptions.Section}:Renditions"] = HasBandwidthCap(scenario) ? "3" : "1",
            [$"{MediaOptions.Section}:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "callbot-clips"),
            [$"{RecordingOptions.Section}:Enabled"] = source.Calls.RecordShare > 0 ? "true" : "false",
            [$"{RecordingOptions.Section}:Directory"] = Path.GetFullPath(Path.Combine(outputDirectory, "recordings")),
            [$"{ConcurrencyOptions.Section}:CallsPerProcess"] = "100000",
            // The load lab's bots call each other on this host (loopback, or the lab's 10.213/16 namespaces) or on the
            // shards' private network: a lab tool opens the remote-candidate policy for its own bots, nothing else does.
            [$"{VideoChatOptions.Section}:AllowLoopbackRemoteCandidates"] = "true",
            [$"{VideoChatOptions.Section}:AllowPrivateRemoteCandidates"] = "true",
        };
        if (!string.IsNullOrEmpty(chat.Domain))
        {
            settings[$"{ChatOptions.Section}:Domain"] = chat.Domain;
        }

        if (chat.Tls?.ToUpperInvariant() switch { "NONE" => "None", "DIRECT" => "DirectTls", "STARTTLS" => "StartTls", _ => null } is { } tls)
        {
            settings[$"{ChatOptions.Section}:TcpTls"] = tls;
        }

        if (loopbackCandidates)
        {
            settings[$"{VideoChatOptions.Section}:LoopbackCandidatesOnly"] = "true";
        }

        return settings;
    }

    private static bool HasBandwidthCap(LoadedScenario scenario)
    {
        foreach (var group in scenario.Groups)
        {
            if (group.Uplink?.BandwidthKbps > 0 || group.Downlink?.BandwidthKbps > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static string DialingSeconds(TimeSpan ringTimeout) =>
        Math.Min(DefaultDialingSeconds, Math.Ceiling(Math.Max(1, ringTimeout.TotalSeconds)) / 2).ToString(CultureInfo.InvariantCulture);

    private static readonly double DefaultDialingSeconds = new VideoChatOptions().DialingTimeInterval;

    private static string Seconds(TimeSpan value) => Invariant((int)Math.Ceiling(Math.Max(1, value.TotalSeconds)));

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
