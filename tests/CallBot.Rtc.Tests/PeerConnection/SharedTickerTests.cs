using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.PeerConnection;

public sealed class SharedTickerTests
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(20);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Started_timers_fire_once_per_period_and_stopped_ones_do_not()
    {
        var ticker = new SharedTicker(_time, Period);
        var counts = new int[3];
        var timers = new ITimer[3];
        for (var i = 0; i < timers.Length; i++)
        {
            timers[i] = ticker.CreateTimer(static s => Interlocked.Increment(ref ((int[])((object[])s!)[0])[(int)((object[])s!)[1]]), new object[] { counts, i });
        }

        timers[0].Change(Period, Period);
        timers[1].Change(Period, Period);
        Assert.Equal(2, ticker.ActiveCount);

        _time.Advance(Period);
        _time.Advance(Period);
        _time.Advance(Period);
        Assert.Equal([3, 3, 0], counts);

        timers[1].Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _time.Advance(Period);
        Assert.Equal([4, 3, 0], counts);
        Assert.Equal(1, ticker.ActiveCount);
    }

    [Fact]
    public async Task Disposed_timer_never_fires_again_and_the_last_one_out_stops_the_shared_timer()
    {
        var ticker = new SharedTicker(_time, Period);
        var fired = 0;
        var timer = ticker.CreateTimer(_ => Interlocked.Increment(ref fired), null);
        timer.Change(Period, Period);
        _time.Advance(Period);
        await timer.DisposeAsync();
        _time.Advance(Period * 5);

        Assert.Equal(1, fired);
        Assert.Equal(0, ticker.ActiveCount);
        Assert.False(timer.Change(Period, Period));
    }

    [Fact]
    public void A_throwing_subscriber_does_not_stop_the_others()
    {
        var ticker = new SharedTicker(_time, Period);
        var fired = 0;
        var bad = ticker.CreateTimer(_ => throw new InvalidOperationException("boom"), null);
        var good = ticker.CreateTimer(_ => Interlocked.Increment(ref fired), null);
        bad.Change(Period, Period);
        good.Change(Period, Period);

        _time.Advance(Period);
        _time.Advance(Period);

        Assert.Equal(2, fired);
    }

    [Fact]
    public void Only_the_ticker_period_can_be_used()
    {
        var ticker = new SharedTicker(_time, Period);
        using var timer = ticker.CreateTimer(_ => { }, null);

        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Change(Period, TimeSpan.FromMilliseconds(5)));
        Assert.Equal(0, ticker.ActiveCount);
    }

    [Fact]
    public async Task DisposeAsync_waits_for_a_callback_that_is_running()
    {
        var ticker = new SharedTicker(_time, Period);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var finished = 0;
        var timer = ticker.CreateTimer(_ =>
        {
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Volatile.Write(ref finished, 1);
        }, null);
        timer.Change(Period, Period);

        var tick = Task.Run(ticker.Tick, TestContext.Current.CancellationToken);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        var dispose = timer.DisposeAsync().AsTask();
        Assert.False(dispose.IsCompleted);

        release.Set();
        await dispose.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(1, Volatile.Read(ref finished));
        await tick.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }
}
