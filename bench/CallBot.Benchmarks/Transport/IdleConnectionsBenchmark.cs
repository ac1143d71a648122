using System.Diagnostics;
using System.Globalization;
using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;

namespace CallBot.Benchmarks.Transport;

/// <summary>
/// <c>idle-connections [--connections N] [--idle SECONDS] [--own-sockets]</c>: N ICE agents (N/2 pairs) connected
/// pairwise inside this process over IPv4 loopback, then left idle (ICE consent checks only, every 2 s ± 20 % each way)
/// while the process's file descriptors, sockets, RSS and CPU are sampled. Single-port mode (the default) puts each side
/// of a pair on a different one of K shared ports, K the smallest with K(K-1)/2 ≥ N/2 (two connections of one shared
/// socket must not talk to the same remote address; across processes, one port would serve them all). <c>--own-sockets</c>
/// gives every agent its own socket, as without single-port mode. Prints one markdown row. A benchmark: asserts nothing.
/// </summary>
internal static class IdleConnectionsBenchmark
{
    public const string Command = "idle-connections";

    private const int Wave = 250;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var connections = 5000;
        var idle = TimeSpan.FromSeconds(30);
        var ownSockets = false;
        var parser = new BenchArgs(Command, "N ICE agents connected pairwise over loopback, then left idle while descriptors, sockets, RSS and CPU are sampled.")
            .Int("--connections", "N", "ICE agents, N/2 pairs (5000)", v => connections = v, min: 2)
            .Double("--idle", "SECONDS", "how long they stay idle (30)", v => idle = TimeSpan.FromSeconds(v), min: 0)
            .Switch("--own-sockets", "a socket per agent instead of shared ports", () => ownSockets = true);
        if (parser.Parse(args, Console.Out, Console.Error) is { } exit)
        {
            return exit;
        }

        var pairs = connections / 2;
        var ports = ownSockets ? 0 : PortsFor(pairs);
        var factories = new SharedPortSocketFactory[ports];
        for (var i = 0; i < ports; i++)
        {
            factories[i] = new SharedPortSocketFactory();
        }

        var plan = Plan(pairs, ports);
        var agents = new List<IceAgent>(2 * pairs);
        var baseline = Sample.Take();
        var setup = Stopwatch.StartNew();
        for (var start = 0; start < plan.Count; start += Wave)
        {
            var wave = plan.GetRange(start, Math.Min(Wave, plan.Count - start));
            var connected = new List<Task>();
            foreach (var (a, b) in wave)
            {
                var agentA = Agent(ownSockets ? null : factories[a], IceRole.Controlling);
                var agentB = Agent(ownSockets ? null : factories[b], IceRole.Controlled);
                agents.Add(agentA);
                agents.Add(agentB);
                connected.Add(ConnectAsync(agentA, agentB));
            }

            await Task.WhenAll(connected).WaitAsync(ConnectTimeout);
        }

        var connectSeconds = setup.Elapsed.TotalSeconds;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = Sample.Take();
        await Task.Delay(idle);
        var after = Sample.Take();
        var stillConnected = agents.Count(a => a.State is IceConnectionState.Connected or IceConnectionState.Completed);
        var cpuPercent = 100 * (after.Cpu - before.Cpu).TotalSeconds / (after.Wall - before.Wall).TotalSeconds;

        Console.WriteLine("| mode | connections | shared ports | connected after idle | fds (baseline) | sockets | RSS MiB (baseline) | managed MiB | threads | CPU % of a core, idle | connect s |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {(ownSockets ? "socket per connection" : "single-port")} | {agents.Count} | {ports} | {stillConnected} | {after.Fds} ({baseline.Fds}) | {after.Sockets} | {after.RssMiB:0} ({baseline.RssMiB:0}) | {after.ManagedMiB:0} | {after.Threads} | {cpuPercent:0.0} | {connectSeconds:0.0} |"));
        if (!ownSockets)
        {
            var learned = factories.Sum(f => f.TableSizes.Addresses);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"routing entries: {learned} addresses, {factories.Sum(f => f.TableSizes.Ufrags)} ufrags, {factories.Sum(f => f.TableSizes.Transactions)} transactions; idle {idle.TotalSeconds:0} s"));
            foreach (var counter in Enum.GetValues<SharedPortCounter>())
            {
                Console.Write(string.Create(CultureInfo.InvariantCulture, $"{counter}={factories.Sum(f => f.Counters[counter])} "));
            }

            Console.WriteLine();
        }

        Console.WriteLine("states after idle: " + string.Join(", ", agents.GroupBy(a => a.State).Select(g => $"{g.Key} {g.Count()}")));

        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }

        foreach (var factory in factories)
        {
            await factory.DisposeAsync();
        }

        return stillConnected == agents.Count ? 0 : 1;
    }

    /// <summary>The smallest K with K(K-1)/2 ≥ pairs: every pair of ports carries at most one connection pair.</summary>
    private static int PortsFor(int pairs)
    {
        var k = 2;
        while (k * (k - 1) / 2 < pairs)
        {
            k++;
        }

        return k;
    }

    private static List<(int A, int B)> Plan(int pairs, int ports)
    {
        var plan = new List<(int, int)>(pairs);
        if (ports == 0)
        {
            plan.AddRange(Enumerable.Repeat((0, 0), pairs));
            return plan;
        }

        for (var a = 0; a < ports && plan.Count < pairs; a++)
        {
            for (var b = a + 1; b < ports && plan.Count < pairs; b++)
            {
                plan.Add((a, b));
            }
        }

        return plan;
    }

    private static IceAgent Agent(IDatagramSocketFactory? sockets, IceRole role) => new(
        new IceOptions
        {
            Role = role,
            IncludeLoopback = true,
            IncludeIPv6 = false,
            AllowLoopbackRemoteCandidates = true,
            AddressFilter = address => address.Equals(IPAddress.Loopback),
        },
        sockets);

    private static async Task ConnectAsync(IceAgent a, IceAgent b)
    {
        var connected = Task.WhenAll(Reached(a), Reached(b));
        Wire(a, b);
        Wire(b, a);
        a.SetRemoteCredentials(b.LocalCredentials.Ufrag, b.LocalCredentials.Password);
        b.SetRemoteCredentials(a.LocalCredentials.Ufrag, a.LocalCredentials.Password);
        await Task.WhenAll(a.GatherAsync(), b.GatherAsync()).ConfigureAwait(false);
        a.Start();
        b.Start();
        await connected.ConfigureAwait(false);
    }

    private static Task Reached(IceAgent agent)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.StateChanged += state =>
        {
            if (state is IceConnectionState.Connected or IceConnectionState.Completed)
            {
                done.TrySetResult();
            }
        };
        return done.Task;
    }

    private static void Wire(IceAgent from, IceAgent to) =>
        from.LocalCandidateGathered += candidate =>
        {
            if (candidate is null)
            {
                to.AddRemoteEndOfCandidates();
            }
            else
            {
                to.AddRemoteCandidate(candidate);
            }
        };

    private readonly record struct Sample(int Fds, int Sockets, double RssMiB, double ManagedMiB, int Threads, TimeSpan Cpu, TimeSpan Wall)
    {
        public static Sample Take()
        {
            var fds = 0;
            var sockets = 0;
            foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                fds++;
                try
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                    {
                        sockets++;
                    }
                }
                catch (IOException)
                {
                }
            }

            using var process = Process.GetCurrentProcess();
            return new Sample(
                fds,
                sockets,
                process.WorkingSet64 / 1048576.0,
                GC.GetTotalMemory(forceFullCollection: false) / 1048576.0,
                process.Threads.Count,
                process.TotalProcessorTime,
                TimeSpan.FromMilliseconds(Environment.TickCount64));
        }
    }
}
