using CallBot.Load.Scenario;

namespace CallBot.Load.Tests.Scenario;

public sealed class ScenarioLoaderTests
{
    internal const string Minimal = """
        name: t
        chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "1" }
        users:
          range: { from: 1, to: 10, login: "bot-{id}", password: "pw-{id}" }
        load:
          stages:
            - { duration: 10s, target: 2 }
        """;

    private static string DocsFolder([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "docs", "load"));

    private static IReadOnlyList<ScenarioError> Errors(string yaml)
    {
        var (scenario, errors) = ScenarioLoader.Load(yaml);
        Assert.Null(scenario);
        Assert.NotEmpty(errors);
        return errors;
    }

    [Fact]
    public void Minimal_scenario_loads_with_defaults_and_a_range_pool()
    {
        var (scenario, errors) = ScenarioLoader.Load(Minimal);
        Assert.Empty(errors);
        Assert.NotNull(scenario);
        Assert.Equal(10, scenario.Users.Count);
        Assert.Equal(new LoadUser(3, "bot-3", "pw-3", null), scenario.Users[2]);
        Assert.Equal(LoadExecutor.Concurrency, scenario.Executor);
        Assert.Equal(2, scenario.GroupSize);
        Assert.Equal(TimeSpan.FromSeconds(10), scenario.TotalDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), scenario.Duration.Sample(new Random(1)));
        Assert.Equal(16, scenario.Hash.Length);
    }

    [Theory]
    [InlineData("pairs-smoke.yaml", 20)]
    [InlineData("mesh-impaired.yaml", 30)]
    [InlineData("soak-50.yaml", 120)]
    public void Sample_scenarios_in_docs_are_valid(string file, int users)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(DocsFolder(), file));
        Assert.Equal(users, scenario.Users.Count);
        Assert.NotEmpty(scenario.Thresholds);
    }

    [Fact]
    public void Bot_groups_take_consecutive_slices_of_the_pool_and_keep_their_links()
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(DocsFolder(), "mesh-impaired.yaml"));
        Assert.Equal(3, scenario.GroupSize);
        Assert.Equal(LoadExecutor.ArrivalRate, scenario.Executor);
        var mobile = 0;
        var tunnel = 0;
        foreach (var user in scenario.Users)
        {
            mobile += user.Group == "mobile" ? 1 : 0;
            tunnel += user.Group == "tunnel" ? 1 : 0;
        }

        Assert.Equal(8, mobile); // round(0.25 * 30) = 7.5 → 8
        Assert.Equal(3, tunnel);
        Assert.Equal("mobile", scenario.Users[0].Group);
        Assert.Null(scenario.Users[^1].Group);
        var group = scenario.GroupOf(scenario.Users[0])!;
        Assert.Equal(0.02, group.Uplink!.Loss);
        Assert.Equal(TimeSpan.FromMilliseconds(60), group.Uplink.Delay);
        Assert.Equal(800, group.Uplink.BandwidthKbps);
        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3)), scenario.Groups[1].Downlink!.Blackouts[0]);
    }

    [Fact]
    public void Errors_name_the_yaml_path_and_line()
    {
        var errors = Errors("""
            name: bad
            chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "1" }
            users:
              range: { from: 1, to: 10, password: "p" }
            calls:
              pattern: mesh
              group_size: 5
              reject_share: 1.5
              duration: { uniform: { min: 20s, max: 10s } }
            load:
              stages:
                - { duration: 10s, target: 2 }
                - { duration: 10 parsecs, target: 2 }
            thresholds:
              call_setup_ms: ["p(95) < 800", "p95 < 800"]
              call_success_rate: ["avg > 0.9"]
              bogus_metric: ["count < 1"]
            """);
        var text = string.Join('\n', errors.Select(e => e.ToString()));
        Assert.Contains("calls.group_size (line 7): 5 is outside 2..4", text, StringComparison.Ordinal);
        Assert.Contains("calls.reject_share (line 8)", text, StringComparison.Ordinal);
        Assert.Contains("calls.duration.uniform.max (line 9): 10s is below min (20s)", text, StringComparison.Ordinal);
        Assert.Contains("load.stages[1].duration (line 13): '10 parsecs' is not a duration", text, StringComparison.Ordinal);
        Assert.Contains("thresholds.call_setup_ms[1] (line 15): 'p95 < 800': unknown aggregation 'p95'", text, StringComparison.Ordinal);
        Assert.Contains("thresholds.call_success_rate[0] (line 16): 'avg > 0.9': a rate metric supports rate, count", text, StringComparison.Ordinal);
        Assert.Contains("thresholds.bogus_metric (line 17): unknown metric 'bogus_metric'", text, StringComparison.Ordinal);
        Assert.Contains("calls.reject_share (line 8): reject_share + no_answer_share exceeds 1", text, StringComparison.Ordinal);
        Assert.Equal(8, errors.Count);
    }

    [Fact]
    public void Unknown_keys_and_wrong_types_are_reported_with_their_line()
    {
        var unknown = Errors(Minimal + "\ncalls:\n  patern: pairs\n");
        Assert.Equal(9, unknown[0].Line);
        Assert.Contains("patern", unknown[0].Message, StringComparison.Ordinal);

        var wrongType = Errors(Minimal.Replace("target: 2", "target: lots", StringComparison.Ordinal));
        Assert.Equal(7, wrongType[0].Line);
        Assert.StartsWith("load.stages[0]", wrongType[0].Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_syntax_errors_and_missing_sections_do_not_throw()
    {
        Assert.Equal("(syntax)", Errors("name: [unclosed\nusers: {")[0].Path);
        Assert.Equal("(root)", Errors("- just\n- a list\n")[0].Path);
        var missing = Errors("name: empty\n");
        Assert.Contains(missing, e => e.Path == "chat");
        Assert.Contains(missing, e => e.Path == "users");
        Assert.Contains(missing, e => e.Path == "load");
    }

    [Fact]
    public void User_pool_forms_are_exclusive_and_ids_unique()
    {
        var both = Minimal.Replace("users:", "users:\n  list: [{ id: 1, password: a }]", StringComparison.Ordinal);
        Assert.Contains(Errors(both), e => e.Path == "users" && e.Line == 3 && e.Message == "give exactly one of list, range or file (found 2)");
        var duplicate = Minimal.Replace("range: { from: 1, to: 10, login: \"bot-{id}\", password: \"pw-{id}\" }", "list: [{ id: 1, password: a }, { id: 1, password: b }]", StringComparison.Ordinal);
        Assert.Contains(Errors(duplicate), e => e.Message == "user id 1 appears twice");
    }

    [Fact]
    public void Loading_a_file_with_errors_throws_a_message_listing_them()
    {
        var path = Path.Combine(Path.GetTempPath(), $"callbot-load-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Minimal.Replace("10s", "soon", StringComparison.Ordinal));
        try
        {
            var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadFile(path));
            Assert.Contains("load.stages[0].duration (line 7)", ex.Message, StringComparison.Ordinal);
            Assert.Single(ex.Errors);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1.5s", 1_500)]
    public void Durations_parse_k6_style(string text, double ms)
    {
        Assert.True(DurationText.TryParse(text, out var value));
        Assert.Equal(ms, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("10 s")]
    [InlineData("10d")]
    [InlineData("-5s")]
    public void Bad_durations_are_rejected(string text) => Assert.False(DurationText.TryParse(text, out _));
}
