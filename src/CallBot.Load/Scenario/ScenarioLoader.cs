using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CallBot.Load.Metrics;
using CallBot.Load.Thresholds;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CallBot.Load.Scenario;

/// <summary>
/// Reads a scenario YAML, checks every rule, and returns either a <see cref="LoadedScenario"/> or the full list of
/// errors, each naming the YAML path and line. Never throws on bad input (only <see cref="LoadFile"/> does, by design).
/// </summary>
public static class ScenarioLoader
{
    public const int MaxGroupSize = 4;
    public const long MaxUsers = 1_000_000;

    public static LoadedScenario LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = File.ReadAllText(path);
        var (scenario, errors) = Load(text, Path.GetDirectoryName(Path.GetFullPath(path)));
        return scenario ?? throw new ScenarioException(errors);
    }

    /// <summary>Parses and validates; <paramref name="baseDirectory"/> resolves <c>users.file</c>.</summary>
    public static (LoadedScenario? Scenario, IReadOnlyList<ScenarioError> Errors) Load(string yaml, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            return (null, [new ScenarioError("(syntax)", (int)ex.Start.Line, Innermost(ex))]);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this on some truncated flow collections instead of a YamlException.
            return (null, [new ScenarioError("(syntax)", 0, "malformed YAML: " + ex.Message)]);
        }

        var root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        var lines = YamlLineMap.Build(root);
        if (root is not YamlMappingNode)
        {
            return (null, [new ScenarioError("(root)", lines.LineOf(""), "the scenario must be a YAML mapping (name:, users:, calls:, load:, ...)")]);
        }

        LoadScenario? raw;
        try
        {
            raw = new DeserializerBuilder()
                .WithNamingConvention(UnderscoredNamingConvention.Instance)
                .WithNodeDeserializer(new NoVideoDeserializer(), s => s.OnTop())
                .Build()
                .Deserialize<LoadScenario>(yaml);
        }
        catch (YamlException ex)
        {
            return (null, [new ScenarioError(lines.PathAt(ex.Start), (int)ex.Start.Line, Innermost(ex))]);
        }
        catch (InvalidOperationException ex)
        {
            return (null, [new ScenarioError("(root)", 0, "malformed YAML: " + ex.Message)]);
        }

        if (raw is null)
        {
            return (null, [new ScenarioError("(root)", 1, "the scenario is empty")]);
        }

        var v = new Validator(lines);
        var loaded = v.Check(raw, yaml, baseDirectory);
        return v.Errors.Count == 0 ? (loaded, []) : (null, v.Errors);
    }

    private static string Innermost(Exception ex)
    {
        var message = ex.Message;
        for (var e = ex.InnerException; e is not null; e = e.InnerException)
        {
            message = e.Message;
        }

        return message;
    }

    private sealed class Validator(YamlLineMap lines)
    {
        private readonly ScenarioErrors _errors = new(lines);

        public List<ScenarioError> Errors => _errors.Errors;

        public LoadedScenario? Check(LoadScenario s, string yaml, string? baseDirectory)
        {
            if (string.IsNullOrWhiteSpace(s.Name))
            {
                _errors.Add("name", "must not be empty");
            }

            if (s.Chat is null)
            {
                _errors.Add("chat", "is required (endpoint and app_id)");
            }
            else
            {
                if (!Uri.TryCreate(s.Chat.Endpoint, UriKind.Absolute, out _))
                {
                    _errors.Add("chat.endpoint", $"'{s.Chat.Endpoint}' is not an absolute URI like tcp://127.0.0.1:5222 or wss://host:5291/ws");
                }

                if (string.IsNullOrWhiteSpace(s.Chat.AppId))
                {
                    _errors.Add("chat.app_id", "must not be empty");
                }
            }

            var users = Users(s.Users, baseDirectory);
            var groupSize = Calls(s.Calls, users.Count);
            var (executor, startTarget, stages) = Shape(s.Load);
            Media(s.Media, s.Thresholds);
            var groups = new GroupRules(_errors).Groups(s.Groups);
            var thresholds = new ThresholdRules(_errors).Thresholds(s.Thresholds, [.. groups.Select(g => g.Name)]);
            var window = _errors.Duration("window", s.Window, positive: true);
            if (window < TimeSpan.FromMilliseconds(100))
            {
                _errors.Add("window", "must be at least 100ms (1s or 5s are typical)");
            }

            TimeSpan? soakInterval = null;
            var soakWarmup = TimeSpan.Zero;
            var soakFloorWindow = TimeSpan.FromMinutes(10);
            if (s.Soak is { } soak)
            {
                soakInterval = _errors.Duration("soak.sample_interval", soak.SampleInterval, positive: true);
                soakWarmup = _errors.Duration("soak.warmup", soak.Warmup, positive: false);
                soakFloorWindow = _errors.Duration("soak.floor_window", soak.FloorWindow, positive: true);
                _errors.NonNegative("soak.max_rss_slope_mb_per_hour", soak.MaxRssSlopeMbPerHour);
                _errors.NonNegative("soak.max_gc_heap_slope_mb_per_hour", soak.MaxGcHeapSlopeMbPerHour);
                _errors.NonNegative("soak.max_thread_slope_per_hour", soak.MaxThreadSlopePerHour);
                _errors.NonNegative("soak.max_socket_slope_per_hour", soak.MaxSocketSlopePerHour);
            }

            var duration = Distribution("calls.duration", s.Calls.Duration);
            var answerDelay = Distribution("calls.answer_delay", s.Calls.AnswerDelay);
            var ringTimeout = _errors.Duration("calls.ring_timeout", s.Calls.RingTimeout, positive: true);
            if (Errors.Count > 0)
            {
                return null;
            }

            AssignGroups(users, groups);
            return new LoadedScenario
            {
                Source = s,
                Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)))[..16],
                Users = users,
                Executor = executor,
                StartTarget = startTarget,
                Stages = stages,
                GroupSize = groupSize,
                CallerRatio = s.Calls.CallerRatio,
                Duration = duration!,
                AnswerDelay = answerDelay!,
                RingTimeout = ringTimeout,
                Groups = groups,
                Thresholds = thresholds,
                Window = window,
                SoakInterval = soakInterval,
                SoakWarmup = soakWarmup,
                SoakFloorWindow = soakFloorWindow,
            };
        }

        private static void AssignGroups(List<LoadUser> users, List<BotGroup> groups)
        {
            // Groups take consecutive slices of the pool in declaration order: deterministic and easy to explain.
            var next = 0;
            foreach (var group in groups)
            {
                var count = (int)Math.Round(group.Share * users.Count, MidpointRounding.AwayFromZero);
                for (var i = 0; i < count && next < users.Count; i++, next++)
                {
                    users[next] = users[next] with { Group = group.Name };
                }
            }
        }

        private List<LoadUser> Users(UserPoolSettings? pool, string? baseDirectory)
        {
            var users = new List<LoadUser>();
            if (pool is null)
            {
                _errors.Add("users", "is required: one of list, range or file");
                return users;
            }

            var forms = (pool.List is null ? 0 : 1) + (pool.Range is null ? 0 : 1) + (pool.File is null ? 0 : 1);
            if (forms != 1)
            {
                _errors.Add("users", $"give exactly one of list, range or file (found {forms})");
                return users;
            }

            if (pool.List is { } list)
            {
                if (list.Count == 0)
                {
                    _errors.Add("users.list", "must not be empty");
                }

                for (var i = 0; i < list.Count; i++)
                {
                    if (string.IsNullOrEmpty(list[i].Password))
                    {
                        _errors.Add($"users.list[{i}].password", "must not be empty");
                    }

                    users.Add(new LoadUser(list[i].Id, list[i].Login ?? list[i].Id.ToString(CultureInfo.InvariantCulture), list[i].Password, null));
                }
            }
            else if (pool.Range is { } range)
            {
                if (range.To < range.From)
                {
                    _errors.Add("users.range.to", $"{range.To} is below from ({range.From})");
                }
                else if (range.To - range.From + 1 > MaxUsers)
                {
                    _errors.Add("users.range", $"{range.To - range.From + 1} users is more than {MaxUsers}");
                }
                else
                {
                    if (string.IsNullOrEmpty(range.Password))
                    {
                        _errors.Add("users.range.password", "must not be empty (a pattern like bot-{id})");
                    }

                    for (var id = range.From; id <= range.To; id++)
                    {
                        var text = id.ToString(CultureInfo.InvariantCulture);
                        users.Add(new LoadUser(id, range.Login?.Replace("{id}", text, StringComparison.Ordinal) ?? text, range.Password.Replace("{id}", text, StringComparison.Ordinal), null));
                    }
                }
            }
            else
            {
                var path = Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), pool.File!);
                if (!File.Exists(path))
                {
                    _errors.Add("users.file", $"'{path}' does not exist");
                    return users;
                }

                users.AddRange(UsersFileFormat.Read(path, e => _errors.Add("users.file", e)));
            }

            var seen = new HashSet<long>();
            foreach (var user in users)
            {
                if (!seen.Add(user.Id))
                {
                    _errors.Add("users", $"user id {user.Id} appears twice");
                    break;
                }
            }

            return users;
        }

        private int Calls(CallSettings c, int userCount)
        {
            var groupSize = 2;
            switch (c.Pattern)
            {
                case "pairs":
                    if (c.GroupSize != 2)
                    {
                        _errors.Add("calls.group_size", "pairs means 2 participants; use pattern: mesh for groups");
                    }

                    break;
                case "mesh":
                    groupSize = c.GroupSize;
                    if (groupSize is < 2 or > MaxGroupSize)
                    {
                        _errors.Add("calls.group_size", $"{groupSize} is outside 2..{MaxGroupSize}");
                    }

                    break;
                default:
                    _errors.Add("calls.pattern", $"'{c.Pattern}' is not pairs or mesh");
                    break;
            }

            if (c.CallerRatio is { } ratio && (ratio <= 0 || ratio >= 1))
            {
                _errors.Add("calls.caller_ratio", $"{ratio.ToString(CultureInfo.InvariantCulture)} must be between 0 and 1 (exclusive)");
            }

            _errors.Share("calls.reject_share", c.RejectShare);
            _errors.Share("calls.no_answer_share", c.NoAnswerShare);
            _errors.Share("calls.record_share", c.RecordShare);
            if (c.RejectShare + c.NoAnswerShare > 1)
            {
                _errors.Add("calls.reject_share", "reject_share + no_answer_share exceeds 1");
            }

            if (userCount > 0 && userCount < groupSize)
            {
                _errors.Add("users", $"{userCount} users cannot fill a call of {groupSize}");
            }

            return groupSize;
        }

        private (LoadExecutor, double, List<LoadStage>) Shape(LoadShape? shape)
        {
            var stages = new List<LoadStage>();
            if (shape is null)
            {
                _errors.Add("load", "is required (executor and stages)");
                return (LoadExecutor.Concurrency, 0, stages);
            }

            var executor = LoadExecutor.Concurrency;
            switch (shape.Executor)
            {
                case "concurrency": break;
                case "arrival_rate": executor = LoadExecutor.ArrivalRate; break;
                default: _errors.Add("load.executor", $"'{shape.Executor}' is not concurrency or arrival_rate"); break;
            }

            _errors.NonNegative("load.start_target", shape.StartTarget);
            if (shape.Stages.Count == 0)
            {
                _errors.Add("load.stages", "needs at least one stage like {duration: 30s, target: 50}");
            }

            for (var i = 0; i < shape.Stages.Count; i++)
            {
                var d = _errors.Duration($"load.stages[{i}].duration", shape.Stages[i].Duration, positive: true);
                _errors.NonNegative($"load.stages[{i}].target", shape.Stages[i].Target);
                stages.Add(new LoadStage(d, shape.Stages[i].Target));
            }

            return (executor, shape.StartTarget, stages);
        }

        private void Media(MediaProfileSettings m, Dictionary<string, List<string>> thresholds)
        {
            MediaProfile(m);
            // A threshold on a kind the calls never carry could only fail with "no samples": say so up front.
            foreach (var metric in (thresholds ?? []).Keys)
            {
                if ((!m.SendsVideo && metric.StartsWith("video_", StringComparison.Ordinal)) || (!m.SendsAudio && metric.StartsWith("audio_", StringComparison.Ordinal)))
                {
                    _errors.Add("thresholds." + metric, $"the media profile sends no {metric[..metric.IndexOf('_', StringComparison.Ordinal)]}");
                }
            }
        }

        private void MediaProfile(MediaProfileSettings m)
        {
            if (m.Audio is not ("opus" or "none"))
            {
                _errors.Add("media.audio", $"'{m.Audio}' is not opus or none");
            }

            if (!m.SendsVideo)
            {
                if (!m.SendsAudio)
                {
                    _errors.Add(m.AudioOnly ? "media.audio_only" : "media.video", "no video with audio: none sends no media at all");
                }

                return;
            }

            if (m.Video.Codec is not ("vp8" or "h264"))
            {
                _errors.Add("media.video.codec", $"'{m.Video.Codec}' is not vp8 or h264");
            }

            if (m.Video.Width is <= 0 or > 4096 || m.Video.Width % 2 != 0)
            {
                _errors.Add("media.video.width", $"{m.Video.Width} must be an even number in 2..4096");
            }

            if (m.Video.Height is <= 0 or > 4096 || m.Video.Height % 2 != 0)
            {
                _errors.Add("media.video.height", $"{m.Video.Height} must be an even number in 2..4096");
            }

            if (m.Video.Fps is <= 0 or > 120)
            {
                _errors.Add("media.video.fps", $"{m.Video.Fps} is outside 1..120");
            }

            if (m.Video.BitrateKbps is <= 0 or > 50_000)
            {
                _errors.Add("media.video.bitrate_kbps", $"{m.Video.BitrateKbps} is outside 1..50000");
            }
        }

        private DurationDistribution? Distribution(string at, DistributionSettings? d)
        {
            if (d is null)
            {
                _errors.Add(at, "is required: one of fixed, uniform, normal");
                return null;
            }

            var forms = (d.Fixed is null ? 0 : 1) + (d.Uniform is null ? 0 : 1) + (d.Normal is null ? 0 : 1);
            if (forms != 1)
            {
                _errors.Add(at, $"give exactly one of fixed, uniform, normal (found {forms})");
                return null;
            }

            if (d.Fixed is not null)
            {
                return DurationDistribution.Fixed(_errors.Duration(at + ".fixed", d.Fixed, positive: false));
            }

            if (d.Uniform is { } u)
            {
                var min = _errors.Duration(at + ".uniform.min", u.Min, positive: false);
                var max = _errors.Duration(at + ".uniform.max", u.Max, positive: false);
                if (max < min)
                {
                    _errors.Add(at + ".uniform.max", $"{u.Max} is below min ({u.Min})");
                }

                return DurationDistribution.Uniform(min, max);
            }

            var n = d.Normal!;
            var mean = _errors.Duration(at + ".normal.mean", n.Mean, positive: false);
            var stddev = _errors.Duration(at + ".normal.stddev", n.Stddev, positive: false);
            var lo = n.Min is null ? TimeSpan.Zero : _errors.Duration(at + ".normal.min", n.Min, positive: false);
            var hi = n.Max is null ? mean + (4 * stddev) : _errors.Duration(at + ".normal.max", n.Max, positive: false);
            if (hi < lo)
            {
                _errors.Add(at + ".normal.max", "is below min");
            }

            return DurationDistribution.Normal(mean, stddev, lo, hi);
        }
    }
}
