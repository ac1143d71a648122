using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Xmpp;
using CallBot.Signaling.Xmpp.Sasl;
using CallBot.Signaling.Xmpp.Transports;
using CsCheck;

namespace CallBot.Signaling.Tests.Hostile;

/// <summary>
/// Property tests over the parsers a remote party feeds (issue 16, Must show 2): the WebSocket XML path, the SCRAM
/// server-first parser and <see cref="ChatJid"/>. Each sample must end in a value or the documented rejection (a
/// false/error result), never another exception, never a hang. The suite runs a short budget;
/// <c>scripts/fuzz.sh</c> sets <c>CALLBOT_FUZZ_ITERATIONS</c> for the long run.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>Samples per property: 3,000 in the suite (a few seconds each), the script's figure for the long run.</summary>
    private static long Iterations =>
        long.TryParse(Environment.GetEnvironmentVariable("CALLBOT_FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 3_000;

    /// <summary>No single sample may take this long (a hang, or the quadratic parse the framer check prevents).</summary>
    // Real time is the subject: a hostile sample must stay cheap (no super-linear parse); generous for a loaded machine.
    private static readonly TimeSpan SampleLimit = TimeSpan.FromSeconds(1);

    private static readonly string[] XmlTokens =
    [
        "<", ">", "</", "/>", "<message", "<x", "</x>", "<body>", "</body>", "</message>", " a='1'", " b=\"2\"", "'", "\"", "=",
        "<!--", "-->", "<?xml version='1.0'?>", "<?pi x?>", "<![CDATA[", "]]>", "<!DOCTYPE x>", "&amp;", "&lt;", "&#0;", "&#x1F600;",
        "&bogus;", "xmlns='jabber:client'", "xmlns:p='u'", "<p:x>", "</p:x>", "<stream:stream>", "</stream:stream>", " ", "\n", "é", "\u0000",
    ];

    private static readonly Gen<string> XmlSoup = Gen.OneOf(XmlTokens).Array[0, 40].Select(parts => string.Concat(parts));

    private static readonly byte[] ValidStanza = Encoding.UTF8.GetBytes(
        "<message xmlns='jabber:client' from='1001-1@chat.test/web' to='1002-1@chat.test' type='headline' id='a1'>"
        + "<extraParams><sessionID>5c2a</sessionID><signalType>call</signalType><sdp><![CDATA[v=0]]></sdp><userInfo><a><b>1</b></a></userInfo></extraParams></message>");

    /// <summary>Valid stanza with one byte changed and/or cut short: the nearest misses are the interesting ones.</summary>
    private static readonly Gen<byte[]> MutatedStanza = Gen.Select(Gen.Int[0, ValidStanza.Length - 1], Gen.Byte, Gen.Int[1, ValidStanza.Length])
        .Select((index, value, cut) =>
        {
            var copy = (byte[])ValidStanza.Clone();
            copy[index] = value;
            return copy[..cut];
        });

    /// <summary>Nesting of random depth around 64, the cap, with random closing.</summary>
    private static readonly Gen<string> Nested = Gen.Select(Gen.Int[0, 200], Gen.Int[0, 200]).Select((open, close) =>
        "<message>" + string.Concat(Enumerable.Repeat("<x>", open)) + string.Concat(Enumerable.Repeat("</x>", close)) + "</message>");

    private static void WebSocketPath(byte[] message)
    {
        var clock = Stopwatch.StartNew();
        var framer = new XmlStreamFramer(256 * 1024, elementsOnly: true);
        var verdict = WebSocketXmppTransport.CheckMessage(framer, message);
        if (verdict == XmlFramingError.TooDeep)
        {
            Assert.Equal("refused", WebSocketXmppTransport.Refusal(message, "too-deep").Name.LocalName);
        }
        else if (verdict == XmlFramingError.None && XmppElementParser.TryParse(message, out var element, out _))
        {
            // Whatever passes is within the cap: the framer counts the stream root, so the element itself has 63 levels below it.
            Assert.True(Depth(element!) < XmlStreamFramer.MaxDepth, "an element deeper than the cap got through");
        }
        Assert.True(clock.Elapsed < SampleLimit, $"one message took {clock.Elapsed}");
    }

    private static int Depth(XElement element)
    {
        var deepest = 0;
        foreach (var descendant in element.Descendants())
        {
            deepest = Math.Max(deepest, descendant.Ancestors().Count());
        }
        return deepest + 1;
    }

    [Fact]
    public void WebSocket_xml_random_bytes() =>
        Gen.Byte.Array[0, 600].Sample(WebSocketPath, iter: Iterations, threads: 1);

    [Fact]
    public void WebSocket_xml_token_soup() =>
        XmlSoup.Sample(xml => WebSocketPath(Encoding.UTF8.GetBytes(xml)), iter: Iterations, threads: 1);

    [Fact]
    public void WebSocket_xml_mutated_stanzas() =>
        MutatedStanza.Sample(WebSocketPath, iter: Iterations, threads: 1);

    [Fact]
    public void WebSocket_xml_nesting_around_the_cap() =>
        Nested.Sample(xml => WebSocketPath(Encoding.UTF8.GetBytes(xml)), iter: Iterations, threads: 1);

    private const string ClientNonce = "fyko+d2lbbFgONRv9qkxdawL";

    /// <summary>server-first parts: the right nonce prefix or not, base64 or not, iteration counts in and out of range (valid ones kept under 5,000: PBKDF2 runs for them).</summary>
    private static readonly Gen<string> ServerFirst = Gen.Select(
            Gen.OneOf("r=" + ClientNonce, "r=" + ClientNonce + "3rfcNHYJY1ZVvWVs7j", "r=other", "r=", "", "m=ext", "x"),
            Gen.OneOf(Gen.Const("s=QSXCR+Q6sek8bf92"), Gen.String[0, 12].Select(s => "s=" + s), Gen.Const("")),
            Gen.OneOf(Gen.Int[-5, 5000].Select(i => "i=" + i.ToString(CultureInfo.InvariantCulture)), Gen.String[0, 8].Select(s => "i=" + s), Gen.Const("i=99999999999")),
            Gen.String[0, 20],
            Gen.Int[0, 5])
        .Select((r, s, i, junk, order) => order switch
        {
            0 => $"{r},{s},{i}",
            1 => $"{i},{s},{r}",
            2 => $"{r},{s},{i},{junk}",
            3 => junk,
            4 => $"{r},{junk},{i}",
            _ => $"{r},,{s},{i}",
        });

    private static void Scram(string serverFirst)
    {
        var clock = Stopwatch.StartNew();
        var client = new ScramClient(HashAlgorithmName.SHA1, "user", "pencil", ClientNonce);
        if (client.TryRespond(Encoding.UTF8.GetBytes(serverFirst), out var response, out var error))
        {
            Assert.StartsWith("c=biws,r=" + ClientNonce, Encoding.UTF8.GetString(response), StringComparison.Ordinal);
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(error));
        }
        Assert.True(clock.Elapsed < SampleLimit, $"one server-first took {clock.Elapsed}");
    }

    [Fact]
    public void Scram_server_first_structured() =>
        ServerFirst.Sample(Scram, iter: Iterations, threads: 1);

    [Fact]
    public void Scram_server_first_random_text() =>
        Gen.String[0, 200].Sample(Scram, iter: Iterations, threads: 1);

    private static readonly Gen<string> JidSoup = Gen.OneOf("1", "0", "01", "1001", "2147483647", "2147483648", "-", "@", "/", "chat.test", "CHAT.TEST",
            "evil.example", "x", "é", " ", "1-1", "99999999999", "\u0000").Array[0, 8].Select(parts => string.Concat(parts));

    private static void Jid(string jid)
    {
        ChatJid.TryGetUserId(jid, out var anyDomain);
        if (ChatJid.TryGetUserId(jid, "1", "chat.test", out var id))
        {
            // Strict parsing has one spelling per user: what is accepted is exactly userId-1@chat.test (case of the domain aside).
            Assert.Equal(anyDomain, id);
            Assert.True(id > 0);
            Assert.Equal(ChatJid.ForUser(id, "1", "chat.test"), ChatJid.Bare(jid).ToLowerInvariant());
        }
        else
        {
            Assert.Equal(0, id);
        }
    }

    [Fact]
    public void ChatJid_token_soup() =>
        JidSoup.Sample(Jid, iter: Iterations, threads: 1);

    [Fact]
    public void ChatJid_random_text() =>
        Gen.String[0, 64].Sample(Jid, iter: Iterations, threads: 1);
}
