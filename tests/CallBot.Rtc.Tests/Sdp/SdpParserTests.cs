using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Tests.Sdp;

public sealed class SdpParserTests
{
    // The smallest valid description: v, o, s and one t (RFC 8866 §5).
    private const string Base =
        "v=0\r\n" +                                   // version, must be 0
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" + // user, sess-id, sess-version, nettype, addrtype, address
        "s=-\r\n" +                                   // session name
        "t=0 0\r\n";                                  // unbounded session

    private const string BaseBeforeTiming =
        "v=0\r\n" +
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" +
        "s=-\r\n";

    private const string MediaLine = "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n";

    /// <summary>Fixtures that grow one line type at a time; each must parse and write back unchanged.</summary>
    public static TheoryData<string, string> GrowingFixtures => new()
    {
        { "base", Base },
        { "session info", BaseBeforeTiming + "i=A session\r\nt=0 0\r\n" },
        { "uri", BaseBeforeTiming + "i=A session\r\nu=http://example.com/s\r\nt=0 0\r\n" },
        { "email", BaseBeforeTiming + "u=http://example.com/s\r\ne=a@example.com\r\ne=b@example.com\r\nt=0 0\r\n" },
        { "phone", BaseBeforeTiming + "e=a@example.com\r\np=+1 617 555-6011\r\nt=0 0\r\n" },
        { "connection", BaseBeforeTiming + "p=+1 617 555-6011\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n" },
        { "bandwidth", BaseBeforeTiming + "c=IN IP4 0.0.0.0\r\nb=AS:512\r\nb=TIAS:512000\r\nt=0 0\r\n" },
        { "repeat", Base + "r=604800 3600 0 90000\r\nt=1 2\r\n" },
        { "zone", Base + "z=2882844526 -1h 2898848070 0\r\n" },
        { "key", Base + "z=2882844526 -1h\r\nk=prompt\r\n" },
        { "session attributes", Base + "a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\na=ice-lite\r\n" },
        { "media", Base + MediaLine },
        { "media with port count", Base + "m=video 49170/2 RTP/AVP 31\r\n" },
        { "media without formats", Base + "m=application 9 UDP/DTLS/SCTP\r\n" },
        { "media info", Base + MediaLine + "i=voice\r\n" },
        { "media connection", Base + MediaLine + "i=voice\r\nc=IN IP4 0.0.0.0\r\nc=IN IP6 ::1\r\n" },
        { "media bandwidth", Base + MediaLine + "c=IN IP4 0.0.0.0\r\nb=AS:64\r\nb=TIAS:64000\r\n" },
        { "media key", Base + MediaLine + "b=AS:64\r\nk=prompt\r\n" },
        { "media attributes", Base + MediaLine + "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n" },
        { "two media", Base + MediaLine + "a=mid:0\r\n" + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n" },
        { "unknown session line", Base + "x=kept as is\r\na=group:BUNDLE 0\r\n" },
        { "unknown media line", Base + MediaLine + "y=kept\r\na=mid:0\r\n" },
        { "unknown attribute", Base + MediaLine + "a=x-google-flag:conference\r\na=something new\r\n" },
    };

    [Theory]
    [MemberData(nameof(GrowingFixtures))]
    public void Growing_fixture_parses_and_writes_back_unchanged(string name, string sdp)
    {
        Assert.True(SdpParser.TryParse(sdp, out var description, out var error), $"{name}: {error}");
        Assert.Equal(sdp, SdpWriter.Write(description));
    }

    /// <summary>One syntax error per state of the grammar table in <see cref="SdpParser"/>: text that reaches the state, then a line it does not allow.</summary>
    public static TheoryData<string, string, int> OneErrorPerState => new()
    {
        { "Start", "o=- 1 1 IN IP4 127.0.0.1\r\n", 1 },
        { "Version", "v=0\r\ns=-\r\n", 2 },
        { "Origin", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nt=0 0\r\n", 3 },
        { "SessionName", BaseBeforeTiming + "m=audio 9 RTP/AVP 0\r\n", 4 },
        { "Info", BaseBeforeTiming + "i=x\r\ni=y\r\n", 5 },
        { "Uri", BaseBeforeTiming + "u=http://x\r\ni=x\r\n", 5 },
        { "Email", BaseBeforeTiming + "e=a@b\r\nu=http://x\r\n", 5 },
        { "Phone", BaseBeforeTiming + "p=+1\r\ne=a@b\r\n", 5 },
        { "Connection", BaseBeforeTiming + "c=IN IP4 0.0.0.0\r\nc=IN IP4 0.0.0.0\r\n", 5 },
        { "Bandwidth", BaseBeforeTiming + "b=AS:1\r\nc=IN IP4 0.0.0.0\r\n", 5 },
        { "Timing", Base + "b=AS:1\r\n", 5 },
        { "Repeat", Base + "r=1 1 0\r\nc=IN IP4 0.0.0.0\r\n", 6 },
        { "Zone", Base + "z=1 -1h\r\nt=0 0\r\n", 6 },
        { "Key", Base + "k=prompt\r\nz=1 -1h\r\n", 6 },
        { "Attribute", Base + "a=x\r\nt=0 0\r\n", 6 },
        { "Media", Base + MediaLine + "t=0 0\r\n", 6 },
        { "MediaInfo", Base + MediaLine + "i=x\r\ni=y\r\n", 7 },
        { "MediaConnection", Base + MediaLine + "c=IN IP4 0.0.0.0\r\ni=x\r\n", 7 },
        { "MediaBandwidth", Base + MediaLine + "b=AS:1\r\nc=IN IP4 0.0.0.0\r\n", 7 },
        { "MediaKey", Base + MediaLine + "k=prompt\r\nb=AS:1\r\n", 7 },
        { "MediaAttribute", Base + MediaLine + "a=mid:0\r\nc=IN IP4 0.0.0.0\r\n", 7 },
    };

    [Theory]
    [MemberData(nameof(OneErrorPerState))]
    public void Line_not_allowed_in_state_is_an_error_with_its_line_number(string state, string sdp, int line)
    {
        Assert.False(SdpParser.TryParse(sdp, out _, out var error));
        Assert.Equal(SdpErrorKind.UnexpectedLine, error.Kind);
        Assert.Equal(line, error.Line);
        Assert.Contains(state, error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 0, SdpErrorKind.Empty)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n", 3, SdpErrorKind.Truncated)]   // no t=
    [InlineData("v=0\r\n", 1, SdpErrorKind.Truncated)]
    [InlineData("v=1\r\n", 1, SdpErrorKind.BadVersion)]
    [InlineData("v=0\r\no=- 1 IN IP4 127.0.0.1\r\n", 2, SdpErrorKind.BadOrigin)]          // five fields
    [InlineData(BaseBeforeTiming + "t=0\r\n", 4, SdpErrorKind.BadTiming)]
    [InlineData(BaseBeforeTiming + "t=now never\r\n", 4, SdpErrorKind.BadTiming)]
    [InlineData(Base + "m=audio\r\n", 5, SdpErrorKind.BadMedia)]
    [InlineData(Base + "m=audio x RTP/AVP 0\r\n", 5, SdpErrorKind.BadMedia)]
    [InlineData(Base + "m=audio 70000 RTP/AVP 0\r\n", 5, SdpErrorKind.BadMedia)]
    [InlineData(Base + "m=audio 9/x RTP/AVP 0\r\n", 5, SdpErrorKind.BadMedia)]
    [InlineData(BaseBeforeTiming + "c=IN IP4\r\nt=0 0\r\n", 4, SdpErrorKind.BadConnection)]
    [InlineData(BaseBeforeTiming + "b=AS\r\nt=0 0\r\n", 4, SdpErrorKind.BadBandwidth)]
    [InlineData(Base + MediaLine + "b=AS:-1\r\n", 6, SdpErrorKind.BadBandwidth)]
    [InlineData("v=0\r\nno equals sign\r\n", 2, SdpErrorKind.MalformedLine)]
    [InlineData("V=0\r\n", 1, SdpErrorKind.MalformedLine)]                                  // types are lower case
    [InlineData("v\r\n", 1, SdpErrorKind.MalformedLine)]
    [InlineData(Base + "a\r\n", 5, SdpErrorKind.MalformedLine)]
    public void Bad_text_gives_kind_and_line(string sdp, int line, SdpErrorKind kind)
    {
        Assert.False(SdpParser.TryParse(sdp, out _, out var error));
        Assert.Equal(kind, error.Kind);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void Null_and_oversized_text_are_refused()
    {
        Assert.False(SdpParser.TryParse(null, out _, out var error));
        Assert.Equal(SdpErrorKind.Empty, error.Kind);
        Assert.False(SdpParser.TryParse(Base + new string('x', SdpParser.MaxLength), out _, out error));
        Assert.Equal(SdpErrorKind.TooLarge, error.Kind);
        var manyLines = Base + string.Concat(Enumerable.Repeat("a=x\n", SdpParser.MaxLines));
        Assert.False(SdpParser.TryParse(manyLines, out _, out error));
        Assert.Equal(SdpErrorKind.TooLarge, error.Kind);
        var manyMedia = Base + string.Concat(Enumerable.Repeat("m=audio 9 RTP/AVP 0\n", SdpParser.MaxMediaSections + 1));
        Assert.False(SdpParser.TryParse(manyMedia, out _, out error));
        Assert.Equal(SdpErrorKind.TooLarge, error.Kind);
    }

    [Fact]
    public void Bare_LF_and_blank_lines_are_accepted_and_written_canonically_with_CRLF()
    {
        var lf = Base.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n" + MediaLine.Replace("\r\n", "\n", StringComparison.Ordinal) + "a=mid:0";
        Assert.True(SdpParser.TryParse(lf, out var description, out var error), error.ToString());
        Assert.Equal(Base + MediaLine + "a=mid:0\r\n", SdpWriter.Write(description));
    }

    [Fact]
    public void Unknown_lines_keep_their_place_among_known_lines()
    {
        var sdp = Base + "x=first\r\na=group:BUNDLE 0\r\n" + MediaLine + "a=mid:0\r\ny=second\r\na=rtcp-mux\r\n";
        Assert.True(SdpParser.TryParse(sdp, out var description, out _));
        Assert.Equal(new SdpLine('x', "first"), description.Lines[1]);
        Assert.Equal([new SdpLine('a', "mid:0"), new SdpLine('y', "second"), new SdpLine('a', "rtcp-mux")], description.Media[0].Lines);
    }

    [Fact]
    public void Typed_views_read_every_attribute_CallBot_negotiates()
    {
        const string sdp =
            Base +
            "a=group:BUNDLE 0 1\r\n" +
            "a=ice-lite\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97 0\r\n" +
            "c=IN IP4 0.0.0.0\r\n" +
            "b=AS:300\r\n" +                                    // kbit/s
            "b=TIAS:256000\r\n" +                               // bit/s
            "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0\r\n" +
            "a=end-of-candidates\r\n" +
            "a=ice-ufrag:uF7x\r\n" +
            "a=ice-pwd:0123456789abcdefghijkl\r\n" +
            "a=ice-options:trickle renomination\r\n" +
            "a=fingerprint:SHA-256 0A:1B:2C\r\n" +               // hash name is case-insensitive
            "a=setup:actpass\r\n" +
            "a=mid:0\r\n" +
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n" +
            "a=extmap:4/recvonly urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
            "a=recvonly\r\n" +
            "a=msid:stream1 track1\r\n" +
            "a=rtcp-mux\r\n" +
            "a=rtcp-rsize\r\n" +
            "a=rtpmap:96 VP8/90000\r\n" +
            "a=rtcp-fb:96 nack pli\r\n" +
            "a=rtcp-fb:* transport-cc\r\n" +                    // wildcard: applies to every PT
            "a=rtpmap:97 rtx/90000\r\n" +
            "a=fmtp:97 apt=96; rtx-time=3000\r\n" +
            "a=ssrc-group:FID 1001 1002\r\n" +
            "a=ssrc:1001 cname:abc\r\n" +
            "a=ssrc:1001 msid:stream1 track1\r\n" +
            "a=ssrc:1002 cname:abc\r\n";
        Assert.True(SdpParser.TryParse(sdp, out var description, out var error), error.ToString());
        Assert.Equal(["0", "1"], description.BundleGroup!.Mids);
        Assert.True(description.HasAttribute("ice-lite"));
        var video = description.Media[0];
        Assert.Equal([96, 97, 0], video.PayloadTypes.Select(pt => (int)pt));
        Assert.Equal(new SdpConnection("IN", "IP4", "0.0.0.0"), video.Connection);
        Assert.Equal([300_000L, 256_000L], video.Bandwidths.Select(b => b.BitsPerSecond!.Value));
        Assert.Equal(["1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0"], video.Candidates);
        Assert.True(video.EndOfCandidates);
        Assert.Equal("uF7x", video.IceUfrag);
        Assert.Equal("0123456789abcdefghijkl", video.IcePwd);
        Assert.Equal("trickle renomination", video.IceOptions);
        Assert.Equal(new SdpFingerprint("sha-256", "0A:1B:2C"), video.Fingerprint);
        Assert.True(video.Fingerprint!.TryGetBytes(out var hash));
        Assert.Equal(new byte[] { 0x0A, 0x1B, 0x2C }, hash);
        Assert.Equal(SdpSetup.ActPass, video.Setup);
        Assert.Equal("0", video.Mid);
        Assert.Equal([new SdpExtMap(3, null, SdpHeaderExtensionUris.TransportWideCc, null), new SdpExtMap(4, SdpDirection.RecvOnly, SdpHeaderExtensionUris.SdesMid, null)], video.ExtMaps);
        Assert.Equal(SdpDirection.RecvOnly, video.Direction);
        Assert.Equal(new SdpMsid("stream1", "track1"), video.Msid);
        Assert.True(video.RtcpMux);
        Assert.True(video.RtcpReducedSize);
        Assert.Equal(new SdpRtpMap(96, "VP8", 90000, null), video.FindRtpMap(96));
        Assert.Equal(["nack pli", "transport-cc"], video.FeedbackFor(96).Select(f => f.Kind));
        Assert.Equal(["transport-cc"], video.FeedbackFor(97).Select(f => f.Kind));
        Assert.True(video.FindFmtp(97)!.Value.TryGetParameter("rtx-time", out var rtxTime));
        Assert.Equal("3000", rtxTime);
        Assert.Equal(new uint[] { 1001, 1002 }, video.SsrcGroups.Single().Ssrcs);
        Assert.Equal([new SdpSsrc(1001, "cname", "abc"), new SdpSsrc(1001, "msid", "stream1 track1"), new SdpSsrc(1002, "cname", "abc")], video.Ssrcs);
        Assert.Equal(sdp, SdpWriter.Write(description));
    }

    [Theory]
    [InlineData("111 opus/48000/2", true)]
    [InlineData("96 VP8/90000", true)]
    [InlineData("128 VP8/90000", false)]     // PT is 7 bits
    [InlineData("96 VP8", false)]
    [InlineData("96 VP8/0", false)]
    [InlineData("96 VP8/90000/0", false)]
    [InlineData("x VP8/90000", false)]
    [InlineData("96 /90000", false)]
    public void Rtpmap_validation(string value, bool valid) => Assert.Equal(valid, SdpRtpMap.TryParse(value, out _));

    [Theory]
    [InlineData("0 urn:x", false)]           // ids are 1..255 (RFC 8285 §5)
    [InlineData("256 urn:x", false)]
    [InlineData("1/sideways urn:x", false)]
    [InlineData("1", false)]
    [InlineData("14 urn:x attr", true)]
    public void Extmap_validation(string value, bool valid) => Assert.Equal(valid, SdpExtMap.TryParse(value, out _));

    [Fact]
    public void Malformed_typed_attributes_are_skipped_not_fatal()
    {
        var sdp = Base + MediaLine + "a=rtpmap:bad\r\na=rtpmap:111 opus/48000/2\r\na=ssrc:notanumber cname:x\r\na=fingerprint:sha-256\r\na=setup:sideways\r\n";
        Assert.True(SdpParser.TryParse(sdp, out var description, out _));
        Assert.Single(description.Media[0].RtpMaps);
        Assert.Empty(description.Media[0].Ssrcs);
        Assert.Null(description.Media[0].Fingerprint);
        Assert.Null(description.Media[0].Setup);
        Assert.Equal(sdp, SdpWriter.Write(description));
    }
}
