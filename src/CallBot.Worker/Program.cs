using System.CommandLine;

namespace CallBot.Worker;

public static class Program
{
    public static Task<int> Main(string[] args) => CallBotCli.Build().Parse(args).InvokeAsync();
}
