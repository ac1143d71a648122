using CallBot.Worker;

namespace CallBot.Worker.Tests;

public sealed class CliTests
{
    [Fact]
    public void Demo_rejects_a_non_numeric_duration_with_an_error_naming_the_option()
    {
        var result = CallBotCli.Build().Parse(["demo", "--duration", "abc"]);

        Assert.NotEmpty(result.Errors);
        Assert.Contains(result.Errors, e => e.Message.Contains("--duration", StringComparison.Ordinal));
    }

    [Fact]
    public void Demo_parses_duration_and_output_directory()
    {
        var result = CallBotCli.Build().Parse(["demo", "--duration", "7", "--out", "rec"]);

        Assert.Empty(result.Errors);
        Assert.Equal(7, result.GetValue<int>("--duration"));
        Assert.Equal("rec", result.GetValue<DirectoryInfo>("--out")!.Name);
    }
}

public sealed class CliCommandTests
{
    [Theory]
    [InlineData("1002", new[] { 1002 })]
    [InlineData("1002, 1003,1004", new[] { 1002, 1003, 1004 })]
    public void Targets_parse(string text, int[] expected)
    {
        Assert.True(CallBot.Worker.Cli.CallCommand.TryParseTargets(text, out var targets));
        Assert.Equal(expected, targets);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1,2,3,4")]
    [InlineData("1,1")]
    [InlineData("-5")]
    [InlineData("abc")]
    public void Bad_targets_are_refused(string text) => Assert.False(CallBot.Worker.Cli.CallCommand.TryParseTargets(text, out _));

    [Fact]
    public void Call_requires_chat_user_and_targets()
    {
        var result = CallBotCli.Build().Parse(["call", "--app-id", "1"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("--chat", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Message.Contains("--to", StringComparison.Ordinal));
    }

    [Fact]
    public void Answer_accepts_only_known_policies()
    {
        var result = CallBotCli.Build().Parse(["answer", "--chat", "ws://x/y", "--app-id", "1", "--user", "5", "--policy", "maybe"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("maybe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_fails_when_nothing_listens()
    {
        var port = CallBot.TestSupport.FreePort.Tcp();

        var code = await CallBotCli.Build().Parse(["health", "--url", $"http://127.0.0.1:{port}/readyz", "--timeout", "2"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
    }
}

public sealed class HealthCommandTests
{
    [Fact]
    public async Task Health_refuses_a_url_that_is_not_http()
    {
        var code = await CallBotCli.Build().Parse(["health", "--url", "ftp://x/"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
    }
}

public sealed class SetupPercentilesTests
{
    [Fact]
    public void Nearest_rank_percentiles()
    {
        double[] sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

        Assert.Equal(50, CallBot.Worker.Cli.SetupPercentiles.Percentile(sorted, 0.50));
        Assert.Equal(100, CallBot.Worker.Cli.SetupPercentiles.Percentile(sorted, 0.95));
        Assert.Equal(10, CallBot.Worker.Cli.SetupPercentiles.Percentile(sorted, 0.01));
    }
}
