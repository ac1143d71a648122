using System.Diagnostics.Metrics;
using CallBot.Abstractions;
using CallBot.Load.Driver;
using CallBot.Load.Metrics;
using CallBot.Load.Running;
using CallBot.Load.Scenario;

namespace CallBot.Load.Tests.Running;

public sealed class LoadTelemetryTests
{
    [Fact]
    public void Live_series_carry_the_group_the_value_counted_in_and_the_call_shape()
    {
        using var meter = new Meter("test-load-telemetry-" + Guid.NewGuid());
        var metrics = new LoadMetrics(TimeSpan.FromSeconds(1), new LoadTelemetry(meter));
        var seen = new List<(string Instrument, string? Group, string? Shape)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void OnMeasurement<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            string? group = null, shape = null;
            foreach (var tag in tags)
            {
                group = tag.Key == "group" ? (string?)tag.Value : group;
                shape = tag.Key == "shape" ? (string?)tag.Value : shape;
            }

            seen.Add((instrument.Name, group, shape));
        }

        listener.SetMeasurementEventCallback<long>(OnMeasurement);
        listener.SetMeasurementEventCallback<double>(OnMeasurement);
        listener.Start();

        var caller = new LoadUser(1, "bot-1", "pw", "mobile");
        var callees = new[] { caller with { Id = 2, Group = null }, caller with { Id = 3, Group = null } };
        metrics.RecordCall(new CallResult
        {
            Intent = new CallIntent(0, 0, TimeSpan.Zero, caller, callees, TimeSpan.FromSeconds(5), TimeSpan.Zero, CallExpectation.Answer, false),
            Outcome = CallOutcome.Completed,
            IceConnectedAfter = TimeSpan.FromMilliseconds(300),
            Streams = [new StreamResult("bot-1", MediaKind.Audio, 250, 250, 0, 0, 1, 2) { Group = "wifi" }],
        }, TimeSpan.Zero);

        Assert.Contains(("callbot.load.calls", "mobile", "mesh-3"), seen);
        Assert.Contains(("callbot.load.call_setup_ms", "mobile", "mesh-3"), seen);

        // Stream values count in the receiving participant's group, call values in the caller's.
        Assert.Contains(("callbot.load.audio_mos", "wifi", "mesh-3"), seen);
        Assert.Contains(("callbot.load.freezes", "wifi", "mesh-3"), seen);
        Assert.Contains(("callbot.load.rtt_ms", "wifi", "mesh-3"), seen);
        Assert.DoesNotContain(("callbot.load.audio_mos", "mobile", "mesh-3"), seen);
        Assert.Equal("pair", LoadTelemetry.ShapeOf(new CallIntent(0, 0, TimeSpan.Zero, caller, [callees[0]], TimeSpan.Zero, TimeSpan.Zero, CallExpectation.Answer, false)));
    }
}
