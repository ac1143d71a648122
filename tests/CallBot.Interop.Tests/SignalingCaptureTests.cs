using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using CallBot.TestSupport.ConnectyCube;

namespace CallBot.Interop.Tests;

/// <summary>
/// The exact call-signaling stanzas two real SDK pages exchange through Prosody, as each side wrote and read them.
/// testdata/sdk-browser-call.json is such a capture (set CALLBOT_UPDATE_TESTDATA=1 to rewrite it from a live run);
/// the test checks that a live run still has the committed shape, so a new SDK pin that changes the wire shows up here.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class SignalingCaptureTests(SdkInteropFixture fixture)
{
    private const string TestDataFile = "sdk-browser-call.json";
    private const string UpdateVariable = "CALLBOT_UPDATE_TESTDATA";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task Live_call_signals_have_the_committed_shape_and_order()
    {
        await using var sdk = fixture.NewHarness();
        var (a, b, sessionId) = await BrowserToBrowserCallTests.ConnectedVideoCallAsync(sdk, fixture.NewUserId(), fixture.NewUserId());
        await a.HangUpAsync();
        await b.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId);

        var capture = await CaptureAsync(a, b, sessionId);
        var live = Shapes(capture);

        // What any ConnectyCube peer must see from this SDK.
        var sentByA = capture.Where(c => c.Side == "A" && c.Outgoing).ToList();
        Assert.Equal("call", sentByA[0].SignalType);
        Assert.Contains("a=setup:actpass", sentByA[0].Xml, StringComparison.Ordinal);
        Assert.Equal("hangUp", sentByA[^1].SignalType);
        var acceptAtA = capture.First(c => c.Side == "A" && !c.Outgoing && c.SignalType == "accept");
        Assert.Contains("a=setup:active", acceptAtA.Xml, StringComparison.Ordinal);
        Assert.Contains(capture, c => c.Side == "A" && c.Outgoing && c.SignalType == "iceCandidates");
        Assert.Contains(capture, c => c.Side == "B" && c.Outgoing && c.SignalType == "iceCandidates");
        var callAtB = XElement.Parse(capture.First(c => c.Side == "B" && !c.Outgoing && c.SignalType == "call").Xml);
        Assert.Equal("headline", (string?)callAtB.Attribute("type"));
        Assert.StartsWith($"{a.UserId}-{sdk.Options.AppId}@localhost/", (string?)callAtB.Attribute("from"), StringComparison.Ordinal);

        var path = Path.Combine(AppContext.BaseDirectory, "testdata", TestDataFile);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            var source = Path.Combine(SdkAssets.Folder, "..", "CallBot.Interop.Tests", "testdata", TestDataFile);
            await File.WriteAllTextAsync(source, Serialize(capture, a.UserId, b.UserId), TestContext.Current.CancellationToken);
            return;
        }

        var committed = Shapes(Deserialize(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)));
        foreach (var (key, children) in committed)
        {
            Assert.True(live.TryGetValue(key, out var liveChildren), $"live run has no {key}");
            Assert.Equal(children, liveChildren);
        }
    }

    internal sealed record CapturedSignal(string Side, bool Outgoing, double TimeMs, string SignalType, string Xml);

    private static async Task<List<CapturedSignal>> CaptureAsync(ConnectyCubeBrowserClient a, ConnectyCubeBrowserClient b, string sessionId)
    {
        var all = new List<CapturedSignal>();
        foreach (var (side, client) in new[] { ("A", a), ("B", b) })
        {
            foreach (var s in await client.GetStanzasAsync())
            {
                if (s.IsCallSignal && s.Xml.Contains(sessionId, StringComparison.Ordinal))
                {
                    all.Add(new CapturedSignal(side, s.Outgoing, s.TimeMs, s.SignalType ?? "?", s.Xml));
                }
            }
        }

        all.Sort((x, y) => x.TimeMs.CompareTo(y.TimeMs));
        return all;
    }

    /// <summary>Per (side, direction, signalType): the child element names of extraParams, in order.</summary>
    private static Dictionary<string, string> Shapes(IEnumerable<CapturedSignal> capture)
    {
        var shapes = new Dictionary<string, string>();
        foreach (var c in capture)
        {
            var extra = XElement.Parse(c.Xml).Elements().First(e => e.Name.LocalName == "extraParams");
            var names = string.Join(",", extra.Elements().Select(e => e.Name.LocalName));
            shapes.TryAdd($"{c.Side} {(c.Outgoing ? "sent" : "received")} {c.SignalType}", names);
        }

        return shapes;
    }

    private static string Serialize(List<CapturedSignal> capture, int a, int b)
    {
        var t0 = capture[0].TimeMs;
        var items = capture.Select(c => new Dictionary<string, object>
        {
            ["side"] = c.Side,
            ["direction"] = c.Outgoing ? "sent" : "received",
            ["ms"] = Math.Round(c.TimeMs - t0, 1),
            ["signalType"] = c.SignalType,
            ["xml"] = c.Xml,
        });
        var document = new Dictionary<string, object>
        {
            ["about"] = "Call-signaling stanzas of one real ConnectyCube SDK browser-to-browser video call through Prosody 0.12 "
                + "(A calls B, B accepts, media flows, A hangs up), as each page's SDK wrote ('sent') and read ('received') them. "
                + "'ms' is page time since the first signal (both pages share one clock); the SDK reports a frame as written once the socket "
                + "send completed, so a 'sent' can trail the peer's 'received'. Written by SignalingCaptureTests with CALLBOT_UPDATE_TESTDATA=1.",
            ["sdkVersion"] = SdkAssets.SdkVersion,
            ["userA"] = a.ToString(CultureInfo.InvariantCulture),
            ["userB"] = b.ToString(CultureInfo.InvariantCulture),
            ["signals"] = items,
        };
        return JsonSerializer.Serialize(document, Indented);
    }

    private static List<CapturedSignal> Deserialize(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<CapturedSignal>();
        foreach (var s in doc.RootElement.GetProperty("signals").EnumerateArray())
        {
            list.Add(new CapturedSignal(
                s.GetProperty("side").GetString()!,
                s.GetProperty("direction").GetString() == "sent",
                s.GetProperty("ms").GetDouble(),
                s.GetProperty("signalType").GetString()!,
                s.GetProperty("xml").GetString()!));
        }

        return list;
    }
}
