using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cli;

/// <summary>
/// <c>callbot run [--config FILE] [--CallBot:Key=value …]</c>: the service. Exit 0 after a clean stop (SIGTERM, Ctrl-C, or
/// every outbound call done); 1 when a bot could not start; 2 for bad configuration (the key is named).
/// </summary>
internal static class RunCommand
{
    public static Command Build()
    {
        var config = new Option<FileInfo?>("--config") { Description = "JSON config file (keys as in appsettings.json); env and --CallBot:… override it." };
        var command = new Command("run", "Run the bot service: every configured bot answers or places calls until stopped.") { config };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var args = parse.UnmatchedTokens.ToArray();
            var builder = CallBotHost.CreateBuilder(args, parse.GetValue(config)?.FullName).AddBotFleet();
            using var host = builder.Build();
            try
            {
                await host.RunAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                await Console.Error.WriteLineAsync("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, ex.Failures)).ConfigureAwait(false);
                return 2;
            }

            return Environment.ExitCode;
        });
        return command;
    }
}
