using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Tests.PeerConnection;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>
/// Issue 16 row 1: a caller chooses the candidates the bot sends checks to. Loopback, private, link-local, multicast,
/// broadcast, unspecified and integer-form addresses are refused on the parsed address; a forged ufrag never reaches
/// a USERNAME; a flood of candidates is capped. Fake time over the in-memory network: every datagram the bot sends is
/// recorded, so "nothing went there" is checked after the whole check schedule ran, not after a sleep.
/// </summary>
public sealed class RemoteCandidatePolicyTests
{
    private static readonly IPAddress BotAddress = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress CallerAddress = IPAddress.Parse("198.51.100.7");
    private static readonly IPEndPoint Memcached = new(IPAddress.Loopback, 11211);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Caller_sdp_with_a_loopback_candidate_and_a_forged_ufrag_sends_no_datagram_to_127_0_0_1_11211()
    {
        var (network, time, sent) = Network();
        await using var caller = PeerOn(network, CallerAddress, time);
        await using var bot = PeerOn(network, BotAddress, time);
        caller.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var offer = await caller.CreateOfferAsync(ct: Ct);

        // The review's input: the caller's ufrag carries a '|' and a ':' so the bot's USERNAME reads "SSRF|probe:…:<ours>",
        // and its only candidate is a memcached port on the bot's own host.
        var hostile = ReplaceLine(offer, "a=ice-ufrag:", "a=ice-ufrag:SSRF|probe:stats");
        hostile = hostile.Replace("a=ice-pwd:", "a=candidate:1 1 udp 2122260223 127.0.0.1 11211 typ host\r\na=ice-pwd:", StringComparison.Ordinal);
        await bot.SetRemoteOfferAsync(hostile, Ct);
        var refused = await Record.ExceptionAsync(() => bot.CreateAnswerAsync(Ct));
        await RunAsync(network, time, bot, TimeSpan.FromSeconds(15));

        Assert.IsType<PeerConnectionException>(refused);
        Assert.Contains("InvalidIceCredentials", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Memcached, sent);
    }

    [Fact]
    public async Task Loopback_candidate_with_a_valid_ufrag_gets_no_check_while_a_public_one_gets_the_whole_schedule()
    {
        var (network, time, sent) = Network();
        await using var bot = AgentOn(network, BotAddress, time, new IceOptions { Role = IceRole.Controlled });
        var control = new IPEndPoint(CallerAddress, 5000);
        bot.SetRemoteCredentials("c7VM", "kaHQOAbP/0i+o5NN8j4Pfzzz");
        await bot.GatherAsync(Ct);
        bot.AddRemoteCandidate(Candidate("127.0.0.1", 11211, priority: 2122260223));
        bot.AddRemoteCandidate(Candidate(control.Address.ToString(), control.Port, priority: 1686052607));
        bot.Start();
        await RunAsync(network, time, bot, TimeSpan.FromSeconds(20));

        Assert.DoesNotContain(Memcached, sent);
        Assert.Equal(7, sent.Count(e => e.Equals(control))); // RFC 8489 Rc = 7: the check ran to its end
        Assert.Equal(1, bot.Counters.RemoteCandidatesRefused);
    }

    [Theory]
    [InlineData("2130706433", 11211)]      // 127.0.0.1 as one integer (inet_aton form)
    [InlineData("0x7f.0.0.1", 11211)]      // hex octet
    [InlineData("0177.0.0.1", 11211)]      // octal octet
    [InlineData("127.1", 11211)]           // short form
    [InlineData("0.0.0.0", 11211)]
    [InlineData("255.255.255.255", 9)]
    [InlineData("224.0.0.251", 5353)]
    [InlineData("169.254.169.254", 80)]    // cloud metadata
    [InlineData("10.1.2.3", 22)]
    [InlineData("172.16.0.1", 22)]
    [InlineData("192.168.1.1", 80)]
    [InlineData("100.64.0.1", 80)]
    [InlineData("::1", 11211)]
    [InlineData("::ffff:127.0.0.1", 11211)]
    [InlineData("::ffff:169.254.169.254", 80)]
    [InlineData("fe80::1", 80)]
    [InlineData("fd00::1", 80)]
    [InlineData("ff02::1", 80)]
    [InlineData("::", 80)]
    public async Task Refused_addresses_are_never_sent_to(string address, int port)
    {
        var (network, time, sent) = Network(ipv6: address.Contains(':', StringComparison.Ordinal));
        await using var bot = AgentOn(network, address.Contains(':', StringComparison.Ordinal) ? IPAddress.Parse("2001:db8::10") : BotAddress, time,
            new IceOptions { Role = IceRole.Controlled });
        bot.SetRemoteCredentials("c7VM", "kaHQOAbP/0i+o5NN8j4Pfzzz");
        await bot.GatherAsync(Ct);
        bot.AddRemoteCandidate(Candidate(address, port, priority: 2122260223));
        bot.Start();
        await RunAsync(network, time, bot, TimeSpan.FromSeconds(10));

        Assert.Empty(sent);
        Assert.Equal(1, bot.Counters.RemoteCandidatesRefused);
        Assert.Equal(0, bot.CandidatePairCount);
    }

    [Fact]
    public async Task Loopback_remotes_are_checked_when_explicitly_allowed()
    {
        var (network, time, sent) = Network();
        await using var bot = AgentOn(network, BotAddress, time, new IceOptions { Role = IceRole.Controlled, AllowLoopbackRemoteCandidates = true });
        bot.SetRemoteCredentials("c7VM", "kaHQOAbP/0i+o5NN8j4Pfzzz");
        await bot.GatherAsync(Ct);
        bot.AddRemoteCandidate(Candidate("127.0.0.1", 11211, priority: 2122260223));
        bot.AddRemoteCandidate(Candidate("192.168.1.1", 80, priority: 2122260222)); // private stays refused
        bot.Start();
        await RunAsync(network, time, bot, TimeSpan.FromSeconds(10));

        Assert.Contains(Memcached, sent);
        Assert.DoesNotContain(new IPEndPoint(IPAddress.Parse("192.168.1.1"), 80), sent);
    }

    [Fact]
    public async Task A_151_KB_offer_with_2502_candidates_forms_at_most_100_pairs()
    {
        var (network, time, sent) = Network();
        await using var caller = PeerOn(network, CallerAddress, time);
        await using var bot = PeerOn(network, BotAddress, time);
        caller.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var offer = await caller.CreateOfferAsync(ct: Ct);
        var lines = new StringBuilder();
        for (var i = 0; i < 2502; i++)
        {
            // Public (TEST-NET-3) addresses, each its own: only the count cap can stop them.
            lines.Append("a=candidate:").Append(i).Append(" 1 udp ").Append(2122260223 - i).Append(" 203.0.113.").Append(1 + (i % 250))
                .Append(' ').Append(10000 + i).Append(" typ host\r\n");
        }

        var flood = offer.Replace("a=ice-pwd:", lines + "a=ice-pwd:", StringComparison.Ordinal);
        Assert.InRange(flood.Length, 140_000, 180_000); // the review's SDP was 151 KB
        await bot.SetRemoteOfferAsync(flood, Ct);
        await bot.CreateAnswerAsync(Ct);
        await RunAsync(network, time, bot, TimeSpan.FromSeconds(2));

        var agent = bot.IceAgent!;
        Assert.InRange(agent.CandidatePairCount, 1, 100);
        Assert.Equal(2502 - 100, agent.Counters.RemoteCandidatesRefused);
        Assert.InRange(sent.Distinct().Count(e => e.Address.ToString().StartsWith("203.0.113.", StringComparison.Ordinal)), 1, 100);
    }

    [Fact]
    public async Task A_trickled_candidate_with_a_forged_ufrag_extension_is_refused()
    {
        var (network, time, sent) = Network();
        await using var bot = AgentOn(network, BotAddress, time, new IceOptions { Role = IceRole.Controlled });
        bot.SetRemoteCredentials("c7VM", "kaHQOAbP/0i+o5NN8j4Pfzzz");
        await bot.GatherAsync(Ct);
        bot.AddRemoteCandidate(Candidate(CallerAddress.ToString(), 5000, priority: 2122260223) with { Ufrag = "SSRF|probe:x" });
        bot.Start();
        await RunAsync(network, time, bot, TimeSpan.FromSeconds(5));

        Assert.Empty(sent);
        Assert.Equal(1, bot.Counters.RemoteCandidatesRefused);
    }

    [Theory]
    [InlineData("SSRF|probe:stats", false)]
    [InlineData("abc", false)]             // < 4 ice-chars
    [InlineData("c7VM", true)]
    [InlineData("a+b/", true)]
    [InlineData("ufrag with space", false)]
    [InlineData("ü-ufrag", false)]
    public void Ufrag_grammar_is_rfc_8839(string ufrag, bool valid) => Assert.Equal(valid, IceCredentials.IsValidUfrag(ufrag));

    [Fact]
    public void Password_grammar_is_rfc_8839()
    {
        Assert.True(IceCredentials.IsValidPassword("kaHQOAbP/0i+o5NN8j4Pfzzz"));
        Assert.False(IceCredentials.IsValidPassword("short-password"));
        Assert.False(IceCredentials.IsValidPassword(new string('a', 257)));
        Assert.False(IceCredentials.IsValidPassword("kaHQOAbP/0i+o5NN8j4Pfzz:"));
        Assert.Throws<ArgumentException>(() => new IceAgent().SetRemoteCredentials("SSRF|probe:x", "kaHQOAbP/0i+o5NN8j4Pfzzz"));
    }

    [Theory]
    [InlineData("203.0.113.7", IceAddressRefusal.None)]
    [InlineData("2001:db8::1", IceAddressRefusal.None)]
    [InlineData("127.0.0.1", IceAddressRefusal.Loopback)]
    [InlineData("127.255.0.9", IceAddressRefusal.Loopback)]
    [InlineData("2130706433", IceAddressRefusal.NonCanonical)]
    [InlineData("01.2.3.4", IceAddressRefusal.NonCanonical)]
    [InlineData("1.2.3.4.5", IceAddressRefusal.NonCanonical)]
    [InlineData("1.2.3", IceAddressRefusal.NonCanonical)]
    [InlineData("256.1.1.1", IceAddressRefusal.NonCanonical)]
    [InlineData("fe80::1%2", IceAddressRefusal.NonCanonical)]
    [InlineData("0.1.2.3", IceAddressRefusal.Unspecified)]
    [InlineData("240.0.0.1", IceAddressRefusal.Broadcast)]
    [InlineData("239.255.255.250", IceAddressRefusal.Multicast)]
    [InlineData("169.254.0.1", IceAddressRefusal.LinkLocal)]
    [InlineData("172.31.255.255", IceAddressRefusal.Private)]
    [InlineData("172.32.0.1", IceAddressRefusal.None)]
    [InlineData("100.127.255.255", IceAddressRefusal.Private)]
    [InlineData("100.128.0.1", IceAddressRefusal.None)]
    [InlineData("64:ff9b::a9fe:a9fe", IceAddressRefusal.LinkLocal)]   // NAT64 of 169.254.169.254
    [InlineData("2002:7f00:1::", IceAddressRefusal.Loopback)]         // 6to4 of 127.0.0.1
    [InlineData("fec0::1", IceAddressRefusal.Private)]
    public void Policy_classifies_on_the_parsed_address(string address, IceAddressRefusal expected) =>
        Assert.Equal(expected, new IceAddressPolicy(allowLoopback: false, allowPrivate: false).Check(address, out _));

    [Fact]
    public void Policy_options_open_only_what_they_name()
    {
        var open = new IceAddressPolicy(allowLoopback: true, allowPrivate: true);
        Assert.Equal(IceAddressRefusal.None, open.Check("127.0.0.1", out _));
        Assert.Equal(IceAddressRefusal.None, open.Check("10.0.0.1", out _));
        Assert.Equal(IceAddressRefusal.LinkLocal, open.Check("169.254.169.254", out _));
        Assert.Equal(IceAddressRefusal.NonCanonical, open.Check("2130706433", out _));
    }

    private static IceCandidate Candidate(string address, int port, uint priority) => new()
    {
        Foundation = "1",
        Priority = priority,
        Address = address,
        Port = port,
        Type = IceCandidateType.Host,
    };

    private static string ReplaceLine(string sdp, string prefix, string line) =>
        System.Text.RegularExpressions.Regex.Replace(sdp, "^" + System.Text.RegularExpressions.Regex.Escape(prefix) + "[^\r\n]*",
            line.Replace("$", "$$", StringComparison.Ordinal), System.Text.RegularExpressions.RegexOptions.Multiline);

    private static (InMemoryNetwork Network, FakeTimeProvider Time, ConcurrentQueue<IPEndPoint> Sent) Network(bool ipv6 = false)
    {
        _ = ipv6;
        var network = new InMemoryNetwork();
        var sent = new ConcurrentQueue<IPEndPoint>();
        network.DropWhen = (from, to, _) =>
        {
            if (from.Address.Equals(BotAddress) || from.Address.Equals(IPAddress.Parse("2001:db8::10")))
            {
                sent.Enqueue(to);
            }

            return false;
        };
        return (network, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), sent);
    }

    private static IceAgent AgentOn(InMemoryNetwork network, IPAddress address, FakeTimeProvider time, IceOptions options) =>
        new(options, network.AddHost(address), time);

    private static RtcPeerConnection PeerOn(InMemoryNetwork network, IPAddress address, TimeProvider time) => new(
        new PeerConnectionOptions { Ice = new IceOptions { IncludeIPv6 = false }, SocketFactory = network.AddHost(address) },
        PeerHarness.Certificate, time, NullLoggerFactory.Instance);

    private static async Task RunAsync(InMemoryNetwork network, FakeTimeProvider time, RtcPeerConnection peer, TimeSpan duration)
    {
        if (peer.IceAgent is { } agent)
        {
            await RunAsync(network, time, agent, duration);
        }
    }

    /// <summary>Fake time in 50 ms steps; each step waits until the network and the agent loop are idle.</summary>
    private static async Task RunAsync(InMemoryNetwork network, FakeTimeProvider time, IceAgent agent, TimeSpan duration)
    {
        for (var spent = TimeSpan.Zero; spent < duration; spent += TimeSpan.FromMilliseconds(50))
        {
            await network.WhenIdleAsync().WaitAsync(IcePeers.Timeout);
            await agent.FlushAsync().WaitAsync(IcePeers.Timeout);
            time.Advance(TimeSpan.FromMilliseconds(50));
        }

        await network.WhenIdleAsync().WaitAsync(IcePeers.Timeout);
        await agent.FlushAsync().WaitAsync(IcePeers.Timeout);
    }
}
