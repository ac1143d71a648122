using System.CommandLine;

namespace CallBot.Worker;

/// <summary>The <c>callbot</c> command line: demo, run, call, answer, load.</summary>
public static class CallBotCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("CallBot: a headless ConnectyCube P2P call participant.");
        root.Subcommands.Add(BuildDemo());
        return root;
    }

    private static Command BuildDemo()
    {
        var duration = new Option<int>("--duration") { Description = "Call length in seconds.", DefaultValueFactory = _ => 10 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Recordings directory.", DefaultValueFactory = _ => new DirectoryInfo("recordings") };
        var demo = new Command("demo", "Two bots call each other through the embedded loopback hub over real WebRTC and record both sides.")
        {
            duration,
            output,
        };
        demo.SetAction(parse =>
        {
            Console.Error.WriteLine("demo: the call pipeline is not assembled yet; see README 'Status'.");
            return 2;
        });
        return demo;
    }
}
