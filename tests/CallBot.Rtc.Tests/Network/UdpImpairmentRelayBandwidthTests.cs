using CallBot.TestSupport.Network;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Network;

/// <summary>
/// The relay's bottleneck on fake time (issue 15's bandwidth step): a rate change re-times the queue it finds, and the
/// per-second recording counts what arrived, what left and how long each datagram waited for the link.
/// </summary>
public sealed class UdpImpairmentRelayBandwidthTests
{
    [Fact]
    public async Task Bandwidth_cap_spaces_datagrams_at_the_link_rate_and_tail_drops_past_the_queue_limit()
    {
        var time = new FakeTimeProvider();
        // 1,250-byte datagram = 10,000 bits = 100 ms on the link.
        await using var pair = await RelayPair.StartBottleneckAsync(time, bitsPerSecond: 100_000, maxQueueDelay: TimeSpan.FromMilliseconds(500));

        await pair.SendAToBAsync(10, size: 1250);

        // Datagram k starts at k × 100 ms; k = 6..9 would wait more than 500 ms.
        Assert.Equal(4, pair.Relay.AToB.Counters.DroppedQueueFull);
        pair.AssertForwardedAfter(time, (99, 0), (1, 1), (250, 3), (250, 6));
        await pair.AssertDeliveredInOrderAsync(6);
    }

    [Fact]
    public async Task A_rate_rise_drains_the_waiting_backlog_at_the_new_rate_in_order()
    {
        var time = new FakeTimeProvider();
        // 1,250 bytes = 100 ms on the link.
        await using var pair = await RelayPair.StartBottleneckAsync(time, bitsPerSecond: 100_000, maxQueueDelay: TimeSpan.FromSeconds(2));
        await pair.SendAToBAsync(10, size: 1250);                   // at the old rate they would leave at 100, 200 … 1000 ms

        pair.AssertForwardedAfter(time, (100, 1));
        pair.Relay.AToB.BandwidthBitsPerSecond = 500_000;            // the other 9 (900 ms of backlog) now take 180 ms

        // The second at 120 ms, not the old rate's 200 ms; the last at 280 ms, where the old rate needed 1000 ms.
        pair.AssertForwardedAfter(time, (19, 1), (1, 2), (159, 9), (1, 10));
        await pair.AssertDeliveredInOrderAsync(10);
    }

    [Fact]
    public async Task A_rate_drop_slows_the_waiting_backlog_and_later_arrivals_queue_behind_it()
    {
        var time = new FakeTimeProvider();
        // 1,250 bytes = 20 ms.
        await using var pair = await RelayPair.StartBottleneckAsync(time, bitsPerSecond: 500_000, maxQueueDelay: TimeSpan.FromSeconds(1));
        pair.Relay.AToB.Delay = TimeSpan.FromMilliseconds(25);       // the fixed delay after the bottleneck is kept
        await pair.SendAToBAsync(5, size: 1250);                    // would leave the link at 20 … 100 ms

        pair.Relay.AToB.BandwidthBitsPerSecond = 100_000;            // now at 100 … 500 ms
        await pair.SendAToBAsync(1, size: 1250, firstSequence: 5);  // behind them: 500 … 600 ms

        // Each leaves the link, then waits the 25 ms delay: the first at 125 ms, the fifth at 525, the sixth at 625.
        pair.AssertForwardedAfter(time, (124, 0), (1, 1), (400, 5), (99, 5), (1, 6));
        await pair.AssertDeliveredInOrderAsync(6);
    }

    [Fact]
    public async Task Recording_counts_per_second_what_arrived_what_left_what_was_tail_dropped_and_the_queueing_delay()
    {
        var time = new FakeTimeProvider();
        // 1,250 bytes = 100 ms.
        await using var pair = await RelayPair.StartBottleneckAsync(time, bitsPerSecond: 100_000, maxQueueDelay: TimeSpan.FromSeconds(1));
        pair.Relay.AToB.StartRecording(TimeSpan.FromSeconds(3));

        // FakeTimeProvider fires a timer at the end of an Advance: advance past each group's last departure, then on.
        await pair.SendAToBAsync(5, size: 1250);                    // waits 0, 100, 200, 300, 400 ms
        time.Advance(TimeSpan.FromMilliseconds(500));
        time.Advance(TimeSpan.FromMilliseconds(700));
        await pair.SendAToBAsync(2, size: 1250, firstSequence: 5);  // second 1: waits 0, 100 ms
        time.Advance(TimeSpan.FromMilliseconds(300));
        time.Advance(TimeSpan.FromMilliseconds(1000));
        pair.Relay.AToB.MaxQueueDelay = TimeSpan.FromMilliseconds(150);
        await pair.SendAToBAsync(3, size: 1250, firstSequence: 7);  // second 2: waits 0, 100; the third would wait 200
        time.Advance(TimeSpan.FromMilliseconds(400));
        var recording = Assert.IsType<RelayRecording>(pair.Relay.AToB.StopRecording());

        Assert.Equal([5 * 1250, 2 * 1250, 3 * 1250], Enumerable.Range(0, 3).Select(recording.ReceivedBytes));
        Assert.Equal([5 * 1250 * 8, 2 * 1250 * 8, 2 * 1250 * 8], Enumerable.Range(0, 3).Select(recording.ForwardedBitsPerSecond));
        Assert.Equal([0, 0, 1], Enumerable.Range(0, 3).Select(recording.DroppedQueueFull));
        Assert.Equal(9, recording.DelaySamples(0, 3));
        // Sorted waits of seconds 0–1: 0, 0, 100, 100, 200, 300, 400 ms; quantiles are the upper edge of a 2 ms bucket.
        Assert.Equal(TimeSpan.FromMilliseconds(102), recording.QueueDelayQuantile(0, 2, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(402), recording.QueueDelayQuantile(0, 2, 0.95));
        Assert.Equal(TimeSpan.FromMilliseconds(102), recording.QueueDelayQuantile(2, 3, 0.95));
        Assert.Null(recording.QueueDelayQuantile(3, 4, 0.5));
        Assert.Null(pair.Relay.AToB.StopRecording());
    }
}
