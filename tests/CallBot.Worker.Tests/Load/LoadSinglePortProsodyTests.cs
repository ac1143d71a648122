using System.Globalization;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.Load.Scenario;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Cli;
using CallBot.Worker.Load;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Tests.Load;

/// <summary>
/// <c>callbot load</c> in single-port mode (its default) with real bots through a private Prosody: every call completes
/// with media both ways while the process holds at most K UDP sockets for its host candidates (K shared ports for the
/// pool, <see cref="LoadPorts.PortsFor"/>) — fewer than the connections open at once — and no two connections of a port
/// ever talked to the same remote address. (The other load tests run in this mode too: impaired groups, mesh, audio only.)
/// </summary>
[Collection(EndToEnd.RealWebRtcCollection.Name)]
public sealed class LoadSinglePortProsodyTests(ProsodyFixture prosody, ITestOutputHelper output) : IClassFixture<ProsodyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Calls_complete_with_media_on_K_shared_ports_fewer_sockets_than_open_connections_and_no_address_conflicts()
    {
        using var folder = new TempFolder("callbot-load-");
        const int Users = 8;
        var scenario = await ProsodyLoadRun.WriteScenarioAsync(prosody, folder, firstUser: 4601, users: Users, concurrency: 4, holdSeconds: 10, callSeconds: 3,
            """
              call_success_rate: ["rate == 1"]
              frames_received_ratio: ["min > 0.5"]
            """,
            Ct);
        var ports = LoadPorts.PortsFor(Users, groupSize: 2);
        Assert.Equal(4, ports); // 4 calls at once hold 4 pairs; 4 ports have 6

        var loaded = ScenarioLoader.LoadFile(scenario);
        var outputDirectory = Path.Combine(folder.Path, "out");
        var baseline = UdpSockets.Count();
        WorkerLoadCallDriver? driver = null;
        var peakSockets = 0;
        var peakConnections = 0;
        int exit;
        await using (var host = await CliHost.StartAsync(LoadHostSettings.From(loaded, outputDirectory, loopbackCandidates: true), null, LogLevel.Warning, Ct))
        {
            using var log = new StringWriter(CultureInfo.InvariantCulture);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            // A measurement beside the run (not a wait for it): the peak UDP sockets and open connections, every 50 ms.
            var sampler = Task.Run(
                async () =>
                {
                    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                    while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                    {
                        peakSockets = Math.Max(peakSockets, UdpSockets.Count() - baseline);
                        if (Volatile.Read(ref driver)?.Ports is { } pool)
                        {
                            peakConnections = Math.Max(peakConnections, pool.ConnectionCount);
                        }
                    }
                },
                CancellationToken.None);
            exit = await LoadCommand.RunAsync(scenario, s =>
                {
                    var created = new WorkerLoadCallDriver(s, host.Services, singlePort: true);
                    Volatile.Write(ref driver, created);
                    return created;
                }, outputDirectory, log, cancellationToken: Ct)
                .WaitAsync(TimeSpan.FromMinutes(3), Ct);
            await stop.CancelAsync();
            try
            {
                await sampler;
            }
            catch (OperationCanceledException)
            {
                // the sampler stops with the run
            }

            Assert.True(exit == LoadExitCodes.Passed, $"exit {exit}: {log}");
        }

        var report = await LoadReportJson.ReadAsync(Path.Combine(outputDirectory, LoadCommand.ReportJson), Ct);
        var pool = driver!.Ports!;
        var calls = report.Metrics["calls"].Sum;
        var received = pool.Total(SharedPortCounter.Received);
        var unrouted = pool.Total(SharedPortCounter.Unrouted);
        output.WriteLine($"{calls} calls, K = {pool.Count}: peak {peakSockets} UDP sockets for {peakConnections} open connections; "
            + $"{received} datagrams, {unrouted} unrouted, {pool.Total(SharedPortCounter.AddressConflicts)} address conflicts");

        Assert.True(calls >= 6, $"{calls} calls");
        Assert.Equal(calls, report.Metrics["call_success_rate"].Passes);
        Assert.True(report.Metrics["frames_received_ratio"].Histogram!.Count >= 4 * calls, "audio and video both ways in every call");
        Assert.Empty(report.Errors);
        // Loopback candidates only: one IPv4 socket per port, however many calls; more connections than that were open at once.
        Assert.InRange(peakSockets, 1, pool.Count);
        Assert.True(peakConnections > pool.Count, $"peak {peakConnections} connections on {pool.Count} ports");
        Assert.Equal(0, pool.Total(SharedPortCounter.AddressConflicts));
        Assert.Equal(0, pool.Total(SharedPortCounter.UfragConflicts));
        Assert.Equal(0, pool.Total(SharedPortCounter.ConnectionsRefused));
        // Unrouted: what one side still sends in the moment after the other closed at a hang-up (64 of 9,455 in 16 calls
        // when written: ~4 a call).
        Assert.True(unrouted < received / 50, $"{unrouted} of {received} datagrams unrouted");
        Assert.Equal(0, pool.ConnectionCount);
    }

    [Fact]
    public void Ports_grow_with_the_square_root_of_the_pool_and_never_exceed_one_per_user()
    {
        Assert.Equal(2, LoadPorts.PortsFor(2, 2));
        Assert.Equal(33, LoadPorts.PortsFor(1000, 2)); // 500 calls at once: 528 pairs
        Assert.Equal(3, LoadPorts.PortsFor(3, 3));
        Assert.Equal(4, LoadPorts.PortsFor(4, 4));
        Assert.Equal(64, LoadPorts.PortsFor(999, 3)); // 333 groups of 3 at once: 999 pairs, twice the room: 2,016
    }

    /// <summary>UDP sockets of this process: its socket descriptors whose inode is in /proc/self/net/udp or udp6.</summary>
    private static class UdpSockets
    {
        public static int Count()
        {
            var inodes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var table in new[] { "/proc/self/net/udp", "/proc/self/net/udp6" })
            {
                if (!File.Exists(table))
                {
                    continue;
                }

                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 9)
                    {
                        inodes.Add(fields[9]);
                    }
                }
            }

            var count = 0;
            foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                try
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]))
                    {
                        count++;
                    }
                }
                catch (IOException)
                {
                    // closed while we looked
                }
            }

            return count;
        }
    }
}
