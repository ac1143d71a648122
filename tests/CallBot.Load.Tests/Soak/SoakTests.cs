using CallBot.Load.Soak;
using CallBot.Load.Scenario;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Load.Tests.Soak;

public sealed class SoakTests
{
    private const long Mb = 1024 * 1024;

    [Fact]
    public void Least_squares_slope_of_a_noisy_line()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 200).Select(i => (double)i).ToArray();
        var y = x.Select(v => (2.5 * v) + 7 + (random.NextDouble() - 0.5)).ToArray();
        Assert.Equal(2.5, LeakAnalyzer.Slope(x, y), 0.01);
        Assert.Equal(0, LeakAnalyzer.Slope([1.0], [5.0]));
        Assert.Equal(0, LeakAnalyzer.Slope([1.0, 1.0], [5.0, 9.0]));
    }

    [Fact]
    public void Flat_resources_pass_and_a_growing_one_is_a_leak()
    {
        // One hour sampled every 10 s: RSS flat around 200 MB with noise, sockets growing by 30/h, threads flat.
        var random = new Random(11);
        var samples = Enumerable.Range(0, 361).Select(i => new SoakSample
        {
            OffsetSeconds = i * 10,
            RssBytes = (200 * Mb) + random.Next(-3, 4) * Mb,
            GcHeapBytes = 50 * Mb,
            Threads = 30 + (i % 2),
            Sockets = 100 + (i * 30 / 360),
        }).ToList();
        var verdicts = LeakAnalyzer.Analyze(samples, new SoakLimits());
        var byName = verdicts.ToDictionary(v => v.Resource);
        Assert.True(byName["rss"].Passed);
        Assert.InRange(byName["rss"].SlopePerHour, -2, 2);
        Assert.True(byName["threads"].Passed);
        Assert.False(byName["sockets"].Passed);
        Assert.Equal(30, byName["sockets"].SlopePerHour, 1.0);
        Assert.Contains("above 10", byName["sockets"].Note, StringComparison.Ordinal);
        Assert.All(LeakAnalyzer.Analyze(samples.Take(2).ToList(), new SoakLimits()), v => Assert.True(v.Passed));
    }

    [Fact]
    public void A_gc_sawtooth_ending_near_its_peak_is_not_a_leak_but_a_rising_floor_is()
    {
        // 50 min at 10 s: the heap climbs 200 MB over each ~10-minute cycle and a full collection drops it back; where the run
        // ends within a cycle tilts a fit of every sample. The same sawtooth on top of 40 MB/h growth is a leak.
        static List<SoakSample> Sawtooth(double leakMbPerHour) => [.. Enumerable.Range(0, 301).Select(i =>
        {
            var t = i * 10.0;
            var mb = 300 + (200 * (t % 590) / 590) + (leakMbPerHour * t / 3600);
            return new SoakSample { OffsetSeconds = t, RssBytes = (long)(mb * Mb), GcHeapBytes = (long)((mb - 150) * Mb), Threads = 20, Sockets = 200 };
        })];

        var flat = LeakAnalyzer.Analyze(Sawtooth(0), new SoakLimits()).ToDictionary(v => v.Resource);
        Assert.True(flat["rss"].AllSamplesSlopePerHour > 20, $"the plain fit tilts: {flat["rss"].AllSamplesSlopePerHour} MB/h");
        Assert.True(flat["rss"].Passed, flat["rss"].Note);
        Assert.InRange(flat["rss"].SlopePerHour, -5, 5);
        Assert.Equal("floor per 600 s", flat["rss"].Fit);
        Assert.Contains("all samples", flat["rss"].Note, StringComparison.Ordinal);
        Assert.True(flat["gc_heap"].Passed);

        var leaking = LeakAnalyzer.Analyze(Sawtooth(40), new SoakLimits()).ToDictionary(v => v.Resource);
        Assert.False(leaking["rss"].Passed);
        Assert.InRange(leaking["rss"].SlopePerHour, 30, 50);
        Assert.False(leaking["gc_heap"].Passed);
        Assert.Equal("all samples", leaking["threads"].Fit);
    }

    [Fact]
    public void Floors_are_the_lowest_sample_of_each_window_without_a_short_last_one()
    {
        double[] hours = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
        double[] values = [5, 3, 4, 9, 2, 8, 7, 1];
        var (floorHours, floorValues) = LeakAnalyzer.Floors(hours, values, 0.3);
        // Windows [0, 0.3), [0.3, 0.6) and [0.6, 0.9): the last has 0.1 h of data, under half a window, so it is left out.
        Assert.Equal([3.0, 2.0], floorValues);
        Assert.Equal([0.1, 0.4], floorHours);
        Assert.Empty(LeakAnalyzer.Floors([], [], 0.3).Values);
    }

    [Fact]
    public void Fewer_than_three_floor_windows_fit_every_sample()
    {
        var samples = Enumerable.Range(0, 121).Select(i => new SoakSample { OffsetSeconds = i * 10, RssBytes = (100 * Mb) + (i * Mb / 10), Threads = 1, Sockets = 1 }).ToList();
        var rss = LeakAnalyzer.Analyze(samples, new SoakLimits(FloorWindowSeconds: 600)).Single(v => v.Resource == "rss");
        Assert.Equal("all samples", rss.Fit);
        Assert.Equal(36, rss.SlopePerHour, 0.5);
    }

    [Fact]
    public void Only_the_steady_window_is_judged_so_ramps_are_not_leaks()
    {
        // 10 min ramp-up (RSS climbs 100 → 300 MB, sockets 0 → 200), 40 min flat hold, 10 min ramp-down (sockets close).
        var samples = Enumerable.Range(0, 361).Select(i =>
        {
            var t = i * 10.0;
            var level = t < 600 ? t / 600 : t > 3000 ? Math.Max(0, (3600 - t) / 600) : 1;
            return new SoakSample { OffsetSeconds = t, RssBytes = (long)((100 + (200 * Math.Min(1, t / 600))) * Mb), GcHeapBytes = 50 * Mb, Threads = 30, Sockets = (int)(200 * level) };
        }).ToList();

        var whole = LeakAnalyzer.Analyze(samples, new SoakLimits()).ToDictionary(v => v.Resource);
        var steady = LeakAnalyzer.Analyze(samples, new SoakLimits(), steadyFromSeconds: 600, steadyToSeconds: 3000).ToDictionary(v => v.Resource);

        Assert.False(whole["rss"].Passed);
        Assert.True(steady["rss"].Passed);
        Assert.Equal(0, steady["rss"].SlopePerHour, 0.001);
        Assert.Equal(0, steady["sockets"].SlopePerHour, 0.001);
        // A window with too few samples falls back to every sample rather than judging nothing.
        Assert.Equal(whole["rss"].SlopePerHour, LeakAnalyzer.Analyze(samples, new SoakLimits(), 600, 605).Single(v => v.Resource == "rss").SlopePerHour);
    }

    [Fact]
    public void Steady_window_is_the_hold_between_ramp_up_and_ramp_down()
    {
        var scenario = TestScenarios.Pairs(); // 10 s ramp-up, 20 s hold, 10 s ramp-down
        var window = CallBot.Load.Running.LoadRunner.SteadyWindow(scenario, callsOffset: TimeSpan.FromSeconds(3));
        Assert.Equal((TimeSpan.FromSeconds(13), TimeSpan.FromSeconds(33)), window);
    }

    [Theory]
    [InlineData("warmup: 5s", 18)] // 5 s of the 20 s hold skipped
    [InlineData("warmup: 1h", 23)] // capped at half the hold
    [InlineData("warmup: 0s", 13)]
    [InlineData("", 23)] // the 10 min default, capped at half the hold
    public void Soak_warmup_is_skipped_from_the_start_of_the_hold(string warmup, int fromSeconds)
    {
        var scenario = TestScenarios.Pairs(extra: $"soak: {{ sample_interval: 1s{(warmup.Length > 0 ? ", " + warmup : "")} }}");
        var window = CallBot.Load.Running.LoadRunner.SteadyWindow(scenario, callsOffset: TimeSpan.FromSeconds(3));
        Assert.Equal((TimeSpan.FromSeconds(fromSeconds), TimeSpan.FromSeconds(33)), window);
    }

    [Fact]
    public void Soak_warmup_that_is_not_a_duration_is_a_scenario_error_naming_the_key()
    {
        var (scenario, errors) = ScenarioLoader.Load(TestScenarios.PairsYaml(extra: "soak: { warmup: soon }"));
        Assert.Null(scenario);
        Assert.Contains(errors, e => e.Path == "soak.warmup");
    }

    [Fact]
    public async Task Sampler_samples_on_its_time_provider_and_reports_a_leak()
    {
        var time = new FakeTimeProvider();
        var probe = new LeakyProbe();
        await using var sampler = new SoakSampler(probe, TimeSpan.FromSeconds(10), time);
        var sampled = 0;
        var tenth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sampler.Sampled += _ =>
        {
            if (Interlocked.Increment(ref sampled) == 10)
            {
                tenth.TrySetResult();
            }
        };
        sampler.Start();
        for (var i = 0; i < 9; i++)
        {
            var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var target = sampled + 1;
            void OnSample(SoakSample _)
            {
                if (Volatile.Read(ref sampled) >= target)
                {
                    next.TrySetResult();
                }
            }

            sampler.Sampled += OnSample;
            time.Advance(TimeSpan.FromSeconds(10));
            await next.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            sampler.Sampled -= OnSample;
        }

        await tenth.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var report = sampler.ToReport(new SoakLimits(RssMbPerHour: 20), "0/1");
        Assert.Equal(10, report.Samples.Count);
        Assert.Equal(90, report.Samples[^1].OffsetSeconds);
        Assert.False(report.Passed);
        var rss = report.Verdicts.Single(v => v.Resource == "rss");
        Assert.Equal(360, rss.SlopePerHour, 0.5); // 1 MB per 10 s
        Assert.False(rss.Passed);
    }

    [Fact]
    public void The_real_process_probe_sees_this_process_and_its_sockets()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        GC.Collect(); // GC committed bytes come from the last collection: none yet would read 0
        var (rss, heap, committed, threads, sockets) = new ProcessProbe().Read();
        Assert.True(rss > 10 * Mb);
        Assert.True(heap > 0);
        Assert.True(committed >= heap / 2, $"GC committed {committed} B vs heap {heap} B");
        Assert.True(threads > 1);
        Assert.True(sockets >= 1);
    }

    [Fact]
    public void A_gc_heap_estimate_that_underflowed_falls_back_to_the_last_collection()
    {
        GC.Collect();
        var lastCollection = GC.GetGCMemoryInfo();
        Assert.Equal(1234, ProcessProbe.GcHeapBytes(1234, lastCollection));
        Assert.Equal(lastCollection.HeapSizeBytes - lastCollection.FragmentedBytes, ProcessProbe.GcHeapBytes(-4096, lastCollection));
        Assert.True(ProcessProbe.GcHeapBytes(0, lastCollection) > 0);
    }

    private sealed class LeakyProbe : IProcessProbe
    {
        private int _reads;

        public (long Rss, long GcHeap, long GcCommitted, int Threads, int Sockets) Read()
        {
            var n = Interlocked.Increment(ref _reads);
            return ((100 + n) * Mb, 10 * Mb, 12 * Mb, 20, 5);
        }
    }
}
