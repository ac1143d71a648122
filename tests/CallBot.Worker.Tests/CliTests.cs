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
