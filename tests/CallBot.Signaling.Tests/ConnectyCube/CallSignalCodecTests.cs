using System.Xml.Linq;
using CallBot.Signaling.ConnectyCube;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>Annotated stanzas, edge cases and fuzzed input for <see cref="CallSignalCodec"/>.</summary>
public sealed class CallSignalCodecTests
{
    // A call as Prosody delivers it: from added, xml:lang added, a split SDP, an empty sdpMLineIndex, nested userInfo.
    private const string Received = """
        <message xmlns="jabber:client" from="1001-7@chat.test/web-1" to="1002-7@chat.test" type="headline" id="6b06d8c48d990e461f000000" xml:lang="en">
          <extraParams>
            <userInfo><maxBandwidth>256</maxBandwidth><busy/><profile><name>A</name><tags><t>x</t></tags></profile></userInfo>
            <sessionID>0f2b1c3d-aaaa-4bbb-8ccc-0123456789ab</sessionID>
            <callType>2</callType>
            <callerID>1001</callerID>
            <opponentsIDs><opponentID>1002</opponentID><opponentID> 1003 </opponentID></opponentsIDs>
            <sdp><part>v=0&#13;&#10;o=- 1 2 IN IP4 127.0.0.1&#13;&#10;</part><part>s=-&#13;&#10;</part></sdp>
            <iceCandidates><iceCandidate><sdpMLineIndex/><sdpMid>0</sdpMid><candidate>candidate:1 1 udp 1 10.0.0.1 9 typ host</candidate></iceCandidate></iceCandidates>
            <moduleIdentifier>WebRTCVideoChat</moduleIdentifier>
            <signalType>call</signalType>
            <platform>android</platform>
            <futureField>kept</futureField>
          </extraParams>
        </message>
        """;

    [Fact]
    public void A_received_call_decodes_every_field_regardless_of_order_and_splitting()
    {
        var result = CallSignalCodec.TryDecode(XElement.Parse(Received));
        Assert.True(result.IsSuccess, result.Reason.ToString());
        var r = result.Signal!;
        Assert.Equal(1001, r.SenderUserId);
        Assert.Equal("1002-7@chat.test", r.To);
        Assert.Equal("6b06d8c48d990e461f000000", r.MessageId);
        Assert.False(r.IsDelayed);
        var s = r.Signal;
        Assert.Equal(CallSignalType.Call, s.Type);
        Assert.Equal("0f2b1c3d-aaaa-4bbb-8ccc-0123456789ab", s.SessionId);
        Assert.Equal(CallType.Audio, s.CallType);
        Assert.Equal(1001, s.CallerId);
        Assert.Equal([1002, 1003], s.OpponentIds);
        Assert.Equal("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n", s.Sdp); // split text concatenated; escaped CR kept
        Assert.Equal("android", s.Platform);
        Assert.Equal([new IceCandidateInit("candidate:1 1 udp 1 10.0.0.1 9 typ host", "0", 0)], s.IceCandidates);
        Assert.Equal(256, s.UserInfo!.MaxBandwidth);
        Assert.Equal(string.Empty, s.UserInfo["busy"]);
        Assert.False(s.UserInfo.IsBusy);
        Assert.Equal("x", s.UserInfo.Find("profile")!.Find("tags")!.Find("t")!.Value);
        Assert.Equal("kept", Assert.Single(s.ExtraFields).Value);
    }

    [Theory]
    [InlineData("<message xmlns='jabber:client' from='1001-7@c/r' type='chat'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>call</signalType><sessionID>s</sessionID></extraParams></message>", CallSignalRejectReason.NotHeadlineMessage)]
    [InlineData("<iq xmlns='jabber:client' type='get'/>", CallSignalRejectReason.NotHeadlineMessage)]
    [InlineData("<message xmlns='jabber:client' from='1001-7@c/r' type='headline'><body>hi</body></message>", CallSignalRejectReason.NotCallSignal)]
    [InlineData("<message xmlns='jabber:client' from='1001-7@c/r' type='headline'><extraParams><moduleIdentifier>SystemNotifications</moduleIdentifier></extraParams></message>", CallSignalRejectReason.NotCallSignal)]
    [InlineData("<message xmlns='jabber:client' type='headline'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>call</signalType><sessionID>s</sessionID></extraParams></message>", CallSignalRejectReason.MissingSender)]
    [InlineData("<message xmlns='jabber:client' from='chat.test' type='headline'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>call</signalType><sessionID>s</sessionID></extraParams></message>", CallSignalRejectReason.MissingSender)]
    [InlineData("<message xmlns='jabber:client' from='abc-7@c/r' type='headline'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>call</signalType><sessionID>s</sessionID></extraParams></message>", CallSignalRejectReason.MissingSender)]
    [InlineData("<message xmlns='jabber:client' from='1001-7@c/r' type='headline'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><sessionID>s</sessionID></extraParams></message>", CallSignalRejectReason.MissingSignalType)]
    [InlineData("<message xmlns='jabber:client' from='1001-7@c/r' type='headline'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>call</signalType><sessionID/></extraParams></message>", CallSignalRejectReason.MissingSessionId)]
    [InlineData("<message xmlns='jabber:client' from='1001-7@c/r' type='headline'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>call</signalType><sessionID>s</sessionID><callerID>12x</callerID></extraParams></message>", CallSignalRejectReason.BadNumber)]
    [InlineData("<message xmlns='jabber:client' from='1001-7@c/r' type='headline'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>call</signalType><sessionID>s</sessionID><opponentsIDs><opponentID>-4</opponentID></opponentsIDs></extraParams></message>", CallSignalRejectReason.BadNumber)]
    [InlineData("<message xmlns='jabber:client' from='1001-7@c/r' type='headline'><extraParams><moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>iceCandidates</signalType><sessionID>s</sessionID><iceCandidates><iceCandidate><sdpMLineIndex>one</sdpMLineIndex></iceCandidate></iceCandidates></extraParams></message>", CallSignalRejectReason.BadIceCandidate)]
    public void Malformed_or_foreign_stanzas_are_rejected_with_a_reason(string xml, CallSignalRejectReason reason)
    {
        var result = CallSignalCodec.TryDecode(XElement.Parse(xml));
        Assert.False(result.IsSuccess);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public void Oversized_lists_and_deep_trees_are_rejected()
    {
        var many = XElement.Parse(Received);
        var opponents = many.Descendants().Single(e => e.Name.LocalName == "opponentsIDs");
        for (var i = 0; i < CallSignalCodec.MaxOpponents; i++)
        {
            opponents.Add(new XElement(CallSignalCodec.JabberClient + "opponentID", 2000 + i));
        }
        Assert.Equal(CallSignalRejectReason.TooManyItems, CallSignalCodec.TryDecode(many).Reason);

        var deep = XElement.Parse(Received);
        var node = deep.Descendants().Single(e => e.Name.LocalName == "userInfo");
        for (var i = 0; i < CallSignalCodec.MaxTreeDepth + 2; i++)
        {
            var child = new XElement(CallSignalCodec.JabberClient + "n");
            node.Add(child);
            node = child;
        }
        Assert.Equal(CallSignalRejectReason.TooDeep, CallSignalCodec.TryDecode(deep).Reason);
    }

    [Fact]
    public void Delay_marks_an_offline_replay_and_a_sent_carbon_is_unwrapped()
    {
        var delayed = XElement.Parse(Received);
        delayed.Add(new XElement(XName.Get("delay", "urn:xmpp:delay"), new XAttribute("from", "chat.test"), new XAttribute("stamp", "2026-11-25T10:00:00Z")));
        Assert.True(CallSignalCodec.TryDecode(delayed).Signal!.IsDelayed);

        var legacy = XElement.Parse(Received);
        legacy.Add(new XElement(XName.Get("x", "jabber:x:delay"), new XAttribute("stamp", "20261125T10:00:00")));
        Assert.True(CallSignalCodec.TryDecode(legacy).Signal!.IsDelayed);

        var carbon = new XElement(CallSignalCodec.JabberClient + "message",
            new XAttribute("from", "1002-7@chat.test"), new XAttribute("type", "headline"),
            new XElement(XName.Get("sent", "urn:xmpp:carbons:2"), new XElement(XName.Get("forwarded", "urn:xmpp:forward:0"), XElement.Parse(Received))));
        var unwrapped = CallSignalCodec.TryDecode(carbon).Signal!;
        Assert.True(unwrapped.IsCarbon);
        Assert.Equal(1001, unwrapped.SenderUserId);
    }

    [Fact]
    public void Update_and_unknown_signal_types_round_trip_with_their_fields()
    {
        var update = new CallSignal
        {
            Type = CallSignalType.Update,
            SessionId = "s-1",
            ExtraFields = [InfoNode.Leaf("muted", "true"), InfoNode.Branch("video", InfoNode.Leaf("w", "640"), InfoNode.Leaf("h", "480"))],
            Platform = "ios",
        };
        var stanza = CallSignalCodec.Encode(update, "1002-7@chat.test", "0123456789abcdef01234567");
        stanza.SetAttributeValue("from", "1001-7@chat.test/r");
        var back = CallSignalCodec.TryDecode(stanza).Signal!.Signal;
        Assert.Equal(CallSignalType.Update, back.Type);
        Assert.Equal("640", back.ExtraFields[1].Find("w")!.Value);
        Assert.Equal("muted=true", back.ExtraFields[0].ToString());

        var unknown = update with { Type = CallSignalType.Unknown, RawSignalType = "screenShare" };
        var unknownStanza = CallSignalCodec.Encode(unknown, "1002-7@chat.test", "0");
        unknownStanza.SetAttributeValue("from", "1001-7@chat.test/r");
        var decoded = CallSignalCodec.TryDecode(unknownStanza).Signal!.Signal;
        Assert.Equal(CallSignalType.Unknown, decoded.Type);
        Assert.Equal("screenShare", decoded.RawSignalType);
    }

    [Fact]
    public void Encoding_writes_the_sdk_child_order_and_the_message_envelope()
    {
        var signal = new CallSignal
        {
            Type = CallSignalType.Accept,
            SessionId = "s",
            CallType = CallType.Video,
            CallerId = 1,
            OpponentIds = [2, 3],
            Sdp = "v=0",
            UserInfo = UserInfo.Empty.With("a", "1"),
            Platform = "node",
        };
        var stanza = CallSignalCodec.Encode(signal, "2-7@chat.test", "abc");
        Assert.Equal("message", stanza.Name.LocalName);
        Assert.Equal(["to=2-7@chat.test", "type=headline", "id=abc"], stanza.Attributes().Select(a => $"{a.Name}={a.Value}"));
        Assert.Equal(
            ["userInfo", "sessionID", "callType", "callerID", "opponentsIDs", "sdp", "moduleIdentifier", "signalType", "platform"],
            stanza.Elements().Single().Elements().Select(e => e.Name.LocalName));
        Assert.Equal("accept", stanza.Descendants(CallSignalCodec.JabberClient + "signalType").Single().Value);
    }

    [Fact]
    public void Fuzzed_stanzas_never_throw()
    {
        var random = new Random(20261125);
        var seed = XElement.Parse(Received);
        var all = seed.DescendantsAndSelf().ToList();
        var names = new[] { "sessionID", "callerID", "opponentID", "sdpMLineIndex", "signalType", "userInfo", "iceCandidate", "from", "type", "delay", "x" };
        for (var i = 0; i < 5000; i++)
        {
            var copy = new XElement(seed);
            var elements = copy.DescendantsAndSelf().ToList();
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                var target = elements[random.Next(elements.Count)];
                switch (random.Next(6))
                {
                    case 0: target.Value = RandomText(random); break;
                    case 1: if (target.Parent is not null) { target.Remove(); } break;
                    case 2: target.Add(new XElement(CallSignalCodec.JabberClient + names[random.Next(names.Length)], RandomText(random))); break;
                    case 3: copy.SetAttributeValue(random.Next(2) == 0 ? "from" : "type", RandomText(random)); break;
                    case 4: target.Add(new XElement(target)); break;
                    default: target.RemoveAttributes(); break;
                }
                elements = [.. copy.DescendantsAndSelf()];
            }
            var result = CallSignalCodec.TryDecode(copy);
            Assert.True(result.IsSuccess || result.Reason != CallSignalRejectReason.None);
        }
        Assert.NotEmpty(all);
    }

    private static string RandomText(Random random)
    {
        var pool = new[] { "", "0", "-1", "99999999999", "1001-7@c/r", "headline", "call", "WebRTCVideoChat", " 12 ", "\u00e9\u4e2d", "x-y@z" };
        return pool[random.Next(pool.Length)];
    }

    [Fact]
    public void Message_ids_are_24_hex_digits_starting_with_the_unix_time()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(0x6b06d8c4));
        var ids = new MessageIdGenerator(time);
        var a = ids.Next();
        var b = ids.Next();
        Assert.True(MessageIdGenerator.IsWellFormed(a));
        Assert.StartsWith("6b06d8c4", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.Equal(a[..18], b[..18]);
        Assert.False(MessageIdGenerator.IsWellFormed("6B06D8C48D990E461F000000"));
        Assert.False(MessageIdGenerator.IsWellFormed("6b06d8c4"));
    }

    [Theory]
    [InlineData("1001-7@chat.test/web", 1001)]
    [InlineData("1001-7@chat.test", 1001)]
    [InlineData("42@chat.test", 42)]
    [InlineData("1001-7-x@chat.test", 0)]
    [InlineData("01001-7@chat.test", 0)]
    [InlineData("room_1@muc.chat.test/1001", 0)]
    [InlineData("-7@chat.test", 0)]
    [InlineData("chat.test", 0)]
    [InlineData("", 0)]
    [InlineData("99999999999-7@chat.test", 0)]
    public void User_id_is_the_local_part_number_before_an_optional_numeric_app_id(string jid, int expected)
    {
        Assert.Equal(expected != 0, ChatJid.TryGetUserId(jid, out var id));
        Assert.Equal(expected, id);
    }

    [Fact]
    public void Jid_parts()
    {
        Assert.Equal("1002-7@chat.test", ChatJid.ForUser(1002, "7", "chat.test"));
        Assert.Equal("1002-7@chat.test", ChatJid.Bare("1002-7@chat.test/r/x"));
        Assert.Equal("chat.test", ChatJid.Domain("1002-7@chat.test/r"));
        Assert.Equal("7", ChatJid.AppId("1002-7@chat.test/r"));
    }
}
