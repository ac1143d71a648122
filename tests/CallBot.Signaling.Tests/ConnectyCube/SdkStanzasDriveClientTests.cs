using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>The real SDK's stanzas, fed to our CallClient as callee 1002: it rings, answers, takes candidates, restarts ICE, hangs up.</summary>
public sealed class SdkStanzasDriveClientTests(SdkGoldenStanzas golden) : IClassFixture<SdkGoldenStanzas>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_callee_driven_by_sdk_stanzas_follows_the_whole_call()
    {
        var transport = new FakeChatTransport("1002-7@chat.example/bot");
        var peers = new FakePeerFactory();
        await using var client = new CallClient(transport, peers, new CallClientOptions(), new FakeTimeProvider());
        var events = new List<string>();
        CallSession? ringing = null;
        client.IncomingCall += (_, e) => { ringing = e.Session; events.Add($"call {e.UserInfo.MaxBandwidth} {e.UserInfo["name"]}"); };
        client.Stopped += (_, e) => events.Add($"stop {e.UserId}");
        client.SessionClosed += (_, _) => events.Add("close");

        var call = golden.Get("call#1");
        transport.Receive(call.ToReceived());
        transport.Receive(call.ToReceived()); // the SDK re-dials every 5 s
        await client.WhenEventsRaisedAsync();
        Assert.NotNull(ringing);
        Assert.Equal(call.Parsed.GetProperty("sessionID").GetString(), ringing.Id);
        Assert.Equal(["call 256 Bot <&> \"One\""], events);
        Assert.Equal(1001, ringing.InitiatorId);
        Assert.Equal([1002, 1003], ringing.OpponentIds);
        Assert.Equal(256, ringing.MaxBandwidth);

        await ringing.AcceptAsync(cancellationToken: Ct);
        await client.WhenEventsRaisedAsync();
        var pc = peers.To(1001);
        Assert.Equal(call.Parsed.GetProperty("sdp").GetString()!.Replace("\r\n", "\n", StringComparison.Ordinal), pc.RemoteOffers.Single());
        var accept = CallSignalCodec.TryDecode(WithFrom(transport.Sent.Single(m => To(m) == "1001-7@chat.example"), "1002-7@chat.example/bot")).Signal!.Signal;
        Assert.Equal(CallSignalType.Accept, accept.Type);
        Assert.Equal(ringing.Id, accept.SessionId);
        // As the larger id? No: 1002 < 1003, so 1002 waits for 1003's offer and sends no call.
        Assert.DoesNotContain(transport.Sent, m => To(m) == "1003-7@chat.example");

        transport.Receive(golden.Get("caller-candidates-batch").ToReceived());
        await client.WhenEventsRaisedAsync();
        Assert.Equal([(0, "0"), (1, "1")], pc.RemoteCandidates.Select(c => (c.SdpMLineIndex, c.SdpMid!)));

        transport.Receive(golden.Get("iceRestart").ToReceived());
        await client.WhenEventsRaisedAsync();
        Assert.Contains("ice-ufrag:uf1r", pc.RemoteOffers[^1], StringComparison.Ordinal);
        Assert.Single(transport.Sent, m => m.Descendants().Any(e => e.Name.LocalName == "signalType" && e.Value == "iceRestartAccept"));

        transport.Receive(golden.Get("hangUp#1").ToReceived()); // with the SDK's stray empty <userInfo/>
        await client.WhenEventsRaisedAsync();
        Assert.Equal(["call 256 Bot <&> \"One\"", "stop 1001", "close"], events);
        Assert.Equal(CallSessionState.Closed, ringing.State);
        Assert.True(pc.Disposed);
        Assert.Equal(1, client.GetDropCount(CallDropReason.DuplicateCall));
    }

    private static string? To(System.Xml.Linq.XElement m) => (string?)m.Attribute("to");

    private static System.Xml.Linq.XElement WithFrom(System.Xml.Linq.XElement m, string from)
    {
        var copy = new System.Xml.Linq.XElement(m);
        copy.SetAttributeValue("from", from);
        return copy;
    }
}
