using CallBot.Load.Quality;

namespace CallBot.Load.Tests.Quality;

public sealed class ImpairmentWindowsTests
{
    [Fact]
    public void A_window_runs_from_leaving_the_groups_own_network_to_returning_to_it()
    {
        var scenario = TestScenarios.Load(Scenario.ScenarioLoaderTests.Minimal + """

            groups:
              - name: mobile
                share: 0.5
                impairment: { downlink: { delay: 50ms } }
                timeline:
                  - { at: 20s, downlink: { delay: 50ms, loss: 0.1 } }
                  - { at: 30s, preset: lossy-20 }
                  - { at: 40s, downlink: { delay: 50ms } }
                  - { at: 60s, preset: lossy-5 }
              - name: clean
                share: 0.5
                timeline:
                  - { at: 10s, preset: lossy-10 }
                  - { at: 15s }
            """);

        // 20 s .. 40 s away from 50 ms (two steps, one window); the step at 60 s never returns: no recovery to measure.
        Assert.Equal([(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40))], ImpairmentWindows.Of(scenario.Groups[0]));
        // A step with no links is the clean network, the group's own.
        Assert.Equal([(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15))], ImpairmentWindows.Of(scenario.Groups[1]));
    }
}
