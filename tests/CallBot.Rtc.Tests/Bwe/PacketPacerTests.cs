using CallBot.Abstractions.Telemetry;
using CallBot.Rtc.Bwe;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>The pacer on a <see cref="FakeTimeProvider"/>: rate, order, pass-through, overflow.</summary>
public sealed class PacketPacerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<(TimeSpan At, byte First, int Length)> _sent = [];
    private readonly DateTimeOffset _start;
    private int _targetKbps = 1_000;

    public PacketPacerTests() => _start = _time.GetUtcNow();

    [Fact]
    public void A_burst_leaves_at_the_pacing_factor_times_the_target_in_order()
    {
        using var pacer = new PacketPacer(new TransportCcOptions(), _time, () => _targetKbps);
        _time.Advance(TimeSpan.FromMilliseconds(5)); // one interval of budget saved up: 1,562 B at 2.5 × 1 Mbit/s
        var packet = new byte[1200];
        for (var i = 0; i < 30; i++)
        {
            packet[0] = (byte)i;
            pacer.Send(packet, Record);
        }

        Assert.Equal(2, _sent.Count); // the budget (> 0) let the first two go at once
        Assert.Equal(28, pacer.Queued);
        for (var step = 0; step < 40 && pacer.Queued > 0; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        Assert.Equal(30, _sent.Count);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (byte)i), _sent.Select(s => s.First));

        // The other 33,600 B (plus the 838 B the second overdrew) at 312.5 B/ms: ~110 ms after the first 5.
        Assert.InRange(_sent[^1].At, TimeSpan.FromMilliseconds(105), TimeSpan.FromMilliseconds(125));
        Assert.Equal(28, pacer.PacketsPaced);
    }

    [Fact]
    public void Without_a_target_packets_pass_at_once()
    {
        _targetKbps = 0;
        using var pacer = new PacketPacer(new TransportCcOptions(), _time, () => _targetKbps);
        for (var i = 0; i < 50; i++)
        {
            pacer.Send(new byte[1200], Record);
        }

        Assert.Equal(50, _sent.Count);
        Assert.Equal(0, pacer.Queued);
    }

    [Fact]
    public void A_full_queue_sends_at_once_and_counts_it_instead_of_dropping()
    {
        _targetKbps = 50;
        using var pacer = new PacketPacer(new TransportCcOptions { MaxPacedPackets = 16 }, _time, () => _targetKbps);
        for (var i = 0; i < 40; i++)
        {
            pacer.Send(new byte[1200], Record);
        }

        Assert.Equal(16, pacer.Queued);
        Assert.Equal(24, _sent.Count);
        Assert.InRange(pacer.Overflows, 22, 24); // the rest went while the queue had room and the budget allowed
        Assert.True(pacer.QueueDelay >= TimeSpan.Zero);
    }

    [Fact]
    public void Each_paced_packet_records_its_queue_delay_and_an_overflow_is_counted()
    {
        // The meter is process-wide (other tests' pacers record too): look for this pacer's exact values.
        using var delays = new MetricCollector<double>(meterScope: null, CallBotMeter.Name, "callbot.rtc.pacer.queue_delay");
        using var overflows = new MetricCollector<long>(meterScope: null, CallBotMeter.Name, "callbot.rtc.pacer.overflows");

        using var pacer = new PacketPacer(new TransportCcOptions { MaxPacedPackets = 4 }, _time, () => _targetKbps);
        var packet = new byte[1200];
        for (var i = 0; i < 6; i++)
        {
            pacer.Send(packet, Record); // no budget saved up: 4 queue, 2 overflow
        }

        for (var step = 0; step < 10 && pacer.Queued > 0; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        Assert.Equal(0, pacer.Queued);
        Assert.True(overflows.GetMeasurementSnapshot().EvaluateAsCounter() >= 2);
        // 1,562 B of budget per 5 ms at 2.5 × 1 Mbit/s: the queued packets leave 5, 10, 15 (and 20) ms after they came.
        var waited = delays.GetMeasurementSnapshot().Select(m => m.Value).ToList();
        Assert.Contains(5.0, waited);
        Assert.Contains(10.0, waited);
    }

    private void Record(ReadOnlySpan<byte> packet) => _sent.Add((_time.GetUtcNow() - _start, packet[0], packet.Length));
}
