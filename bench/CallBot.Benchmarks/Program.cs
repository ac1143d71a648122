using BenchmarkDotNet.Running;
using CallBot.Benchmarks.Loss;
using CallBot.Benchmarks.Setup;

namespace CallBot.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == SetupTimeBenchmark.Command)
        {
            return await SetupTimeBenchmark.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == ImpairedSetupBenchmark.Command)
        {
            return await ImpairedSetupBenchmark.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == Transport.IdleConnectionsBenchmark.Command)
        {
            return await Transport.IdleConnectionsBenchmark.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == LossTableBenchmark.Command)
        {
            return await LossTableBenchmark.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == BandwidthStepBenchmark.Command)
        {
            return await BandwidthStepBenchmark.RunAsync(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
