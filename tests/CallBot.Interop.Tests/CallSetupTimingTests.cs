using System.Globalization;
using System.Text;
using CallBot.TestSupport.ConnectyCube;

namespace CallBot.Interop.Tests;

/// <summary>
/// Measures, browser to browser through Prosody, login time and call → accept / ICE connected / first remote frame over
/// ten calls, all on the caller's page clock. Reports the figures in the test output and in
/// <c>interop-setup-times.txt</c> next to the test assembly; asserts only that every call got there, never on timings.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class CallSetupTimingTests(SdkInteropFixture fixture)
{
    private const int Calls = 10;

    [Fact]
    public async Task Ten_calls_reach_accept_ice_connected_and_first_remote_frame_and_the_times_are_reported()
    {
        await using var sdk = fixture.NewHarness();
        var a = await sdk.LoginAsync(fixture.NewUserId());
        var logins = new List<double> { a.LoginTime.TotalMilliseconds };
        var accepts = new List<double>();
        var connects = new List<double>();
        var frames = new List<double>();

        for (int i = 0; i < Calls; i++)
        {
            var b = await sdk.LoginAsync(fixture.NewUserId());
            logins.Add(b.LoginTime.TotalMilliseconds);

            var sessionId = await a.CallAsync([b.UserId]);
            await b.WaitForIncomingCallAsync();
            await b.AcceptAsync();

            var dial = await a.WaitForEventAsync(SdkEventNames.Dial, e => e.SessionId == sessionId);
            var accept = await a.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == sessionId);
            var connected = await a.WaitForEventAsync(SdkEventNames.ConnectionState, e => e.SessionId == sessionId && e.ConnectionState == SdkConnectionState.Connected);
            var frame = await a.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == sessionId);
            accepts.Add(accept.TimeMs - dial.TimeMs);
            connects.Add(connected.TimeMs - dial.TimeMs);
            frames.Add(frame.TimeMs - dial.TimeMs);

            await a.HangUpAsync();
            await b.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId);
            await b.DisposeAsync();
        }

        Assert.Equal(Calls, frames.Count);
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"ConnectyCube SDK {SdkAssets.SdkVersion} browser ↔ browser through Prosody, {Calls} calls, {Environment.ProcessorCount} cores (ms)")
            .AppendLine(Row("login (chat.connect)", logins))
            .AppendLine(Row("call → accept", accepts))
            .AppendLine(Row("call → ICE connected", connects))
            .AppendLine(Row("call → first remote frame", frames))
            .ToString();
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "interop-setup-times.txt"), report, TestContext.Current.CancellationToken);
    }

    private static string Row(string name, List<double> samples)
    {
        var sorted = samples.Order().ToList();
        double Percentile(double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"{name,-28} n={sorted.Count,2}  min {sorted[0],6:0}  p50 {Percentile(0.5),6:0}  p95 {Percentile(0.95),6:0}  max {sorted[^1],6:0}  mean {sorted.Average(),6:0}");
    }
}
