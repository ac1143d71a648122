namespace CallBot.Worker;

public static class Program
{
    public static Task<int> Main(string[] args) => CallBotCli.InvokeAsync(args);
}
