using System.Diagnostics;
using CallBot.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>500 peer connections (250 loopback pairs, 25 pairs at a time) connect, carry a frame, and close: sockets, threads and managed memory return to baseline.</summary>
[Collection(ProcessWideMeasurements.Name)]
public sealed class LeakTests(ITestOutputHelper output)
{
    private const int Pairs = 250;
    private const int Batch = 25;
    private const int ThreadTolerance = 16;
    private const long MemoryToleranceBytes = 16L * 1024 * 1024;

    [Fact]
    public async Task Five_hundred_connections_leave_no_sockets_threads_or_memory_behind()
    {
        // Warm-up: JIT, pools, the shared certificate and the thread pool's first threads.
        await RunPairsAsync(2);
        var baselineSockets = CountSockets();
        var baselineThreads = CountThreads();
        var baselineMemory = SettledManagedMemory();

        var closed = await RunPairsAsync(Pairs);

        Assert.Equal(Pairs * 2, closed.Count);

        // One more pair displaces what an idle pool thread may still hold from the last batch (its last work item),
        // so that none of the 500 may be reachable below.
        await RunPairsAsync(1);
        var sockets = CountSockets();
        var threads = CountThreads();
        var memory = SettledManagedMemory();
        output.WriteLine($"sockets {baselineSockets} -> {sockets}, threads {baselineThreads} -> {threads}, managed {baselineMemory / 1024} KiB -> {memory / 1024} KiB");
        var alive = string.Join(",", closed.Select((w, i) => w.TryGetTarget(out _) ? i : -1).Where(i => i >= 0));
        Assert.Equal(string.Empty, alive);
        Assert.True(sockets <= baselineSockets, $"sockets {baselineSockets} -> {sockets}");
        Assert.True(threads <= baselineThreads + ThreadTolerance, $"threads {baselineThreads} -> {threads}");
        Assert.True(memory <= baselineMemory + MemoryToleranceBytes, $"managed memory {baselineMemory} -> {memory}");
    }

    /// <summary>Weak references only: after GC none of the closed connections may still be reachable.</summary>
    private static async Task<List<WeakReference<RtcPeerConnection>>> RunPairsAsync(int pairs)
    {
        var closed = new List<WeakReference<RtcPeerConnection>>(pairs * 2);
        for (var start = 0; start < pairs; start += Batch)
        {
            var batch = Enumerable.Range(0, Math.Min(Batch, pairs - start)).Select(_ => ConnectSendCloseAsync()).ToList();
            foreach (var (a, b) in await Task.WhenAll(batch))
            {
                closed.Add(a);
                closed.Add(b);
            }
        }

        return closed;
    }

    private static async Task<(WeakReference<RtcPeerConnection>, WeakReference<RtcPeerConnection>)> ConnectSendCloseAsync()
    {
        var a = PeerHarness.Create();
        var b = PeerHarness.Create();
        try
        {
            var videoA = a.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
            var videoB = b.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
            var received = new FrameCollector();
            videoB.RemoteFrameSink = received;
            PeerHarness.Trickle(a, b);
            PeerHarness.Trickle(b, a);
            var connectedA = PeerHarness.WaitForStateAsync(a, PeerConnectionState.Connected);
            var connectedB = PeerHarness.WaitForStateAsync(b, PeerConnectionState.Connected);
            await PeerHarness.NegotiateAsync(a, b);
            await connectedA;
            await connectedB;
            videoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, InMemoryPeers.SyntheticVp8KeyFrame(1, 2500), 0, 3000, true));
            await received.WaitForAsync(1, PeerHarness.Timeout);
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }

        Assert.True(a.AllBackgroundWorkCompleted && b.AllBackgroundWorkCompleted, "a loop, timer or handshake outlived DisposeAsync");
        return (new WeakReference<RtcPeerConnection>(a), new WeakReference<RtcPeerConnection>(b));
    }

    private static int CountSockets() => ProcessWideMeasurements.CountSockets();

    private static int CountThreads()
    {
        using var process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }

    private static long SettledManagedMemory()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
