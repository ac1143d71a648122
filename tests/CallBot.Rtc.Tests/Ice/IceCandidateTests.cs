using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.Ice;

public class IceCandidateTests
{
    [Fact]
    public void Chrome_srflx_candidate_round_trips_with_extensions()
    {
        const string text = "candidate:842163049 1 udp 1677729535 203.0.113.7 56143 typ srflx raddr 192.168.1.20 rport 56143 generation 0 ufrag sXrZ network-id 1 network-cost 10";
        Assert.True(IceCandidate.TryParse(text, out var c));
        Assert.Equal("842163049", c!.Foundation);
        Assert.Equal(1, c.Component);
        Assert.Equal("udp", c.Transport);
        Assert.Equal(1677729535u, c.Priority);
        Assert.Equal("203.0.113.7", c.Address);
        Assert.Equal(56143, c.Port);
        Assert.Equal(IceCandidateType.ServerReflexive, c.Type);
        Assert.Equal("192.168.1.20", c.RelatedAddress);
        Assert.Equal(56143, c.RelatedPort);
        Assert.Equal(0, c.Generation);
        Assert.Equal("sXrZ", c.Ufrag);
        Assert.Equal("1", c.NetworkId);
        Assert.Equal([new KeyValuePair<string, string>("network-cost", "10")], c.Extensions);
        Assert.Equal(text, c.ToString());
        Assert.NotNull(c.TryGetEndPoint());
    }

    [Theory]
    [InlineData("a=candidate:1 1 UDP 2122260223 10.0.0.1 5000 typ host", IceCandidateType.Host)]
    [InlineData("candidate:2 1 udp 1845501695 10.0.0.1 5001 typ prflx raddr 0.0.0.0 rport 0", IceCandidateType.PeerReflexive)]
    [InlineData("candidate:3 1 udp 41885439 198.51.100.9 3478 typ relay raddr 203.0.113.7 rport 56143", IceCandidateType.Relay)]
    [InlineData("3 1 udp 2122260223 2001:db8::1 5000 typ host generation 0", IceCandidateType.Host)]
    public void Parses_each_type_and_prefix(string text, IceCandidateType type)
    {
        Assert.True(IceCandidate.TryParse(text, out var c));
        Assert.Equal(type, c!.Type);
    }

    [Fact]
    public void Mdns_host_candidate_parses_but_has_no_endpoint()
    {
        Assert.True(IceCandidate.TryParse("candidate:3898264445 1 udp 2113937151 1f0d1b7a-4c8e-4bd1-9d3e-2d2f3f3a0b1c.local 54321 typ host generation 0 network-cost 999", out var c));
        Assert.True(c!.IsMdns);
        Assert.Null(c.TryGetEndPoint());
    }

    [Fact]
    public void Tcp_candidate_keeps_tcptype()
    {
        const string text = "candidate:4 1 tcp 1518280447 10.0.0.1 9 typ host tcptype active generation 0";
        Assert.True(IceCandidate.TryParse(text, out var c));
        Assert.False(c!.IsUdp);
        Assert.Equal("active", c.TcpType);
        Assert.Equal(text, c.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("candidate:")]
    [InlineData("candidate:1 1 udp 1 10.0.0.1 5000 host")]
    [InlineData("candidate:1 x udp 1 10.0.0.1 5000 typ host")]
    [InlineData("candidate:1 1 udp -5 10.0.0.1 5000 typ host")]
    [InlineData("candidate:1 1 udp 1 10.0.0.1 70000 typ host")]
    [InlineData("candidate:1 1 udp 1 10.0.0.1 5000 typ bogus")]
    [InlineData("candidate:1 0 udp 1 10.0.0.1 5000 typ host")]
    public void Rejects_malformed(string text) => Assert.False(IceCandidate.TryParse(text, out _));

    [Fact]
    public void Random_text_never_throws()
    {
        var random = new Random(8839);
        const string alphabet = "candidate:0123456789 typudphostrelaysrflx.:abc-";
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 120)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            _ = IceCandidate.TryParse(new string(chars), out _);
        }
    }

    [Theory]
    [InlineData(IceCandidateType.Host, 65535, 1, 2130706431u)] // (126<<24) + (65535<<8) + 255
    [InlineData(IceCandidateType.PeerReflexive, 65535, 1, 1862270975u)]
    [InlineData(IceCandidateType.ServerReflexive, 65535, 1, 1694498815u)]
    [InlineData(IceCandidateType.Relay, 65535, 1, 16777215u)]
    [InlineData(IceCandidateType.Host, 65535, 2, 2130706430u)]
    public void Priority_follows_rfc8445_formula(IceCandidateType type, int localPreference, int component, uint expected) =>
        Assert.Equal(expected, IceCandidate.ComputePriority(type, localPreference, component));

    [Fact]
    public void Credentials_meet_rfc8445_lengths_and_charset()
    {
        var a = IceCredentials.Generate();
        var b = IceCredentials.Generate();
        Assert.True(a.Ufrag.Length >= 4);
        Assert.True(a.Password.Length >= 22);
        Assert.NotEqual(a, b);
        Assert.All(a.Ufrag + a.Password, ch => Assert.True(char.IsAsciiLetterOrDigit(ch) || ch is '+' or '/'));
        Assert.DoesNotContain(a.Password, a.ToString(), StringComparison.Ordinal);
    }
}
