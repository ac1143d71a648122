using System.CommandLine;
using CallBot.Worker.Cli;

namespace CallBot.Worker;

/// <summary>The <c>callbot</c> command line: demo, run, call, answer, health, load, report merge, users create|delete.</summary>
public static class CallBotCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("CallBot: a headless ConnectyCube P2P call participant.");
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(RunCommand.Build());
        root.Subcommands.Add(CallCommand.Build());
        root.Subcommands.Add(AnswerCommand.Build());
        root.Subcommands.Add(HealthCommand.Build());
        root.Subcommands.Add(LoadCliCommand.Build());
        root.Subcommands.Add(ReportCliCommand.Build());
        root.Subcommands.Add(UsersCommand.Build());
        return root;
    }

    /// <summary>
    /// <c>run</c> leaves SIGTERM/Ctrl-C to the generic host (graceful shutdown: hang up, finalize, log out); the other
    /// commands get the signal as cancellation and up to 20 s to hang up before the process ends.
    /// </summary>
    public static Task<int> InvokeAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parse = Build().Parse(args);
        var isRun = args.Length > 0 && args[0] == "run";
        return parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = isRun ? null : TimeSpan.FromSeconds(20) });
    }
}
