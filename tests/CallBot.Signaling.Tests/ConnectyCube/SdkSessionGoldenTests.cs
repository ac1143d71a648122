using System.Xml.Linq;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>
/// Session-level golden test: our CallClient plays the scenario tests/sdk/golden-signals.cjs plays with the real SDK,
/// and every stanza it sends must have the SDK's shape element for element. Only values that differ by nature are
/// masked: message ids, session ids, SDP bodies (each side's fake peer connection writes its own) and the chat domain.
/// </summary>
public sealed class SdkSessionGoldenTests(SdkGoldenStanzas golden) : IClassFixture<SdkGoldenStanzas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly UserInfo CallUserInfo = UserInfo.Empty
        .WithMaxBandwidth(256)
        .With("name", "Bot <&> \"One\"")
        .With(InfoNode.Branch("nested", InfoNode.Branch("a", InfoNode.Leaf("b", "c")), InfoNode.Leaf("n", "5"), InfoNode.Leaf("empty", "")));

    private static IceCandidateInit Host(int c) =>
        new($"candidate:{c} 1 udp 2122260223 127.0.0.1 {50000 + c} typ host generation 0 ufrag uf network-id 1", "0", 0);

    [Fact]
    public async Task Our_session_sends_what_the_sdk_session_sends_in_the_same_scenario()
    {
        await using var h = new CallHarness(new CallClientOptions { Platform = "web" });
        var caller = h.AddBot(1001);
        var b = h.AddBot(1002);
        var c = h.AddBot(1003);

        // 1. call to 1002 and 1003 with a nested userInfo.
        var session = caller.Client.CreateSession([1002, 1003]);
        await session.CallAsync(CallUserInfo, Ct);
        await h.SettleAsync();
        Expect(h, "call#1", 1001, 1002, "call");
        Expect(h, "call#2", 1001, 1003, "call");

        // 2. caller candidates before any answer; 3. 1003 accepts and offers to 1002; trickles one candidate.
        caller.Peers.To(1002).EmitCandidate(Host(1));
        caller.Peers.To(1002).EmitCandidate(new("candidate:2 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0 generation 0", "1", 1));
        await h.SettleAsync();
        await c.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Expect(h, "accept-and-mesh-call#1", 1003, 1002, "call");
        Expect(h, "accept-and-mesh-call#2", 1003, 1001, "accept");
        c.Peers.To(1001).EmitCandidate(Host(3));
        await h.SettleAsync();
        Expect(h, "callee-candidate", 1003, 1001, "iceCandidates");

        // 4. 1002 accepts with a userInfo (maxBandwidth 0 dropped); the caller's queued candidates go as one batch.
        await b.IncomingSession.AcceptAsync(UserInfo.Empty.WithMaxBandwidth(0).With("app", "demo"), Ct);
        await h.SettleAsync();
        Expect(h, "accept-with-userinfo", 1002, 1001, "accept");
        Expect(h, "caller-candidates-batch", 1001, 1002, "iceCandidates");

        // 5. ICE restart.
        await session.IceRestartAsync(1002, Ct);
        await h.SettleAsync();
        Expect(h, "iceRestart", 1001, 1002, "iceRestart");
        Expect(h, "iceRestartAccept", 1002, 1001, "iceRestartAccept");

        // 6. hang-up with only maxBandwidth 0: no userInfo (the SDK's second recipient; its first gets a stray empty <userInfo/>).
        await session.StopAsync(UserInfo.Empty.WithMaxBandwidth(0), Ct);
        await h.SettleAsync();
        Expect(h, "hangUp#2", 1001, 1003, "hangUp");

        // 7. audio call rejected as busy, then hung up by the caller.
        var audio = caller.Client.CreateSession([1002], CallType.Audio);
        await audio.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Expect(h, "audio-call", 1001, 1002, "call", audio.Id);
        await b.Incoming.Last().RejectAsync(UserInfo.Empty.With("busy", "true"), Ct);
        await h.SettleAsync();
        Expect(h, "reject-busy", 1002, 1001, "reject", audio.Id);
        await audio.StopAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Expect(h, "hangUp-after-reject", 1001, 1002, "hangUp", audio.Id);
    }

    private void Expect(CallHarness h, string sdkName, int from, int to, string signalType, string? sessionId = null)
    {
        var ours = h.RawWire.Last(m =>
            (string?)m.Attribute("from") is { } f && f.StartsWith($"{from}-", StringComparison.Ordinal)
            && ((string?)m.Attribute("to"))!.StartsWith($"{to}-", StringComparison.Ordinal)
            && m.Descendants().Any(e => e.Name.LocalName == "signalType" && e.Value == signalType)
            && (sessionId is null || m.Descendants().Any(e => e.Name.LocalName == "sessionID" && e.Value == sessionId)));
        var actual = Mask(new XElement(ours));
        actual.Attribute("from")!.Remove();
        XmlTree.AssertEquivalent(Mask(golden.Get(sdkName).Parse()), actual, "id");
    }

    private static XElement Mask(XElement stanza)
    {
        var to = (string)stanza.Attribute("to")!;
        stanza.SetAttributeValue("to", to[..to.IndexOf('@', StringComparison.Ordinal)]);
        foreach (var e in stanza.Descendants().Where(e => e.Name.LocalName is "sessionID" or "sdp"))
        {
            e.Value = e.Name.LocalName;
        }
        return stanza;
    }
}
