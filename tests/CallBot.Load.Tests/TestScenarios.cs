using CallBot.Load.Scenario;

namespace CallBot.Load.Tests;

internal static class TestScenarios
{
    /// <summary>A pairs scenario: ramp to <paramref name="target"/> concurrent calls over 10 s, hold 20 s, ramp down 10 s.</summary>
    public static LoadedScenario Pairs(int users = 40, int target = 8, string thresholds = "", string extra = "", int seed = 42) =>
        Load(PairsYaml(users, target, thresholds, extra, seed));

    public static string PairsYaml(int users = 40, int target = 8, string thresholds = "", string extra = "", int seed = 42)
    {
        var yaml = $$"""
            name: fake-pairs
            seed: {{seed}}
            chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "1" }
            users:
              range: { from: 1, to: {{users}}, login: "bot-{id}", password: "pw-{id}" }
            calls:
              duration: { uniform: { min: 3s, max: 6s } }
              answer_delay: { fixed: 200ms }
              ring_timeout: 2s
              reject_share: 0.05
              no_answer_share: 0.05
              record_share: 0.2
            load:
              stages:
                - { duration: 10s, target: {{target}} }
                - { duration: 20s, target: {{target}} }
                - { duration: 10s, target: 0 }
            {{extra}}
            thresholds:
            {{thresholds}}
            """;
        if (thresholds.Length == 0)
        {
            yaml = yaml.Replace("thresholds:\n", "", StringComparison.Ordinal);
        }

        return yaml;
    }

    public static LoadedScenario Load(string yaml)
    {
        var (scenario, errors) = ScenarioLoader.Load(yaml);
        Assert.True(scenario is not null, string.Join("\n", errors));
        return scenario;
    }
}
