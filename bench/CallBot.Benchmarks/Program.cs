using BenchmarkDotNet.Running;
using CallBot.Benchmarks.Loss;
using CallBot.Benchmarks.Setup;
using CallBot.Benchmarks.Transport;

namespace CallBot.Benchmarks;

public static class Program
{
    /// <summary>The modes that run real calls or connections, each with its flags read by <see cref="BenchArgs"/>;
    /// anything else goes to BenchmarkDotNet's switcher (the micro benchmarks).</summary>
    private static readonly Dictionary<string, Func<string[], Task<int>>> Modes = new(StringComparer.Ordinal)
    {
        [SetupTimeBenchmark.Command] = SetupTimeBenchmark.RunAsync,
        [ImpairedSetupBenchmark.Command] = ImpairedSetupBenchmark.RunAsync,
        [IdleConnectionsBenchmark.Command] = IdleConnectionsBenchmark.RunAsync,
        [LossTableBenchmark.Command] = LossTableBenchmark.RunAsync,
        [BandwidthStepBenchmark.Command] = BandwidthStepBenchmark.RunAsync,
    };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && Modes.TryGetValue(args[0], out var mode))
        {
            return await mode(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
