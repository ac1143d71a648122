using System.Net;
using System.Threading.Channels;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>
/// Issue 16 row 5, the race the source check must not break: the peer's first DTLS flight can arrive before the STUN
/// exchange that verifies its address. From a candidate-pair remote it is held (bounded per source) and delivered, in
/// order, when that address answers our check with a signed response; from any other address it is dropped.
/// The peer here is a bare socket the test drives by hand, on fake time.
/// </summary>
public sealed class VerifiedSourceTests
{
    private const string PeerUfrag = "c7VM";
    private const string PeerPassword = "kaHQOAbP/0i+o5NN8j4Pfzzz";
    private static readonly IPAddress BotAddress = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress PeerAddress = IPAddress.Parse("198.51.100.7");

    [Fact]
    public async Task Early_dtls_from_a_pair_remote_is_held_and_delivered_in_order_once_its_address_verifies()
    {
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var bot = new IceAgent(new IceOptions { Role = IceRole.Controlled }, network.AddHost(BotAddress), time);
        var peerHost = network.AddHost(PeerAddress);
        using var peer = peerHost.Bind(new IPEndPoint(PeerAddress, 5000));
        using var stranger = peerHost.Bind(new IPEndPoint(PeerAddress, 5001)); // same host, another port: not a pair remote
        var delivered = new List<byte[]>();
        bot.DtlsPacketReceived = d =>
        {
            lock (delivered)
            {
                delivered.Add(d.ToArray());
            }
        };

        var botPort = 0;
        bot.LocalCandidateGathered += c => botPort = c?.Port ?? botPort;
        using var stop = new CancellationTokenSource();
        var received = Channel.CreateUnbounded<byte[]>();
        var reading = ReadAllAsync(peer, received.Writer, stop.Token); // the peer takes every check, so the network goes idle
        bot.SetRemoteCredentials(PeerUfrag, PeerPassword);
        await bot.GatherAsync(TestContext.Current.CancellationToken);
        await bot.FlushAsync();
        var botEndPoint = new IPEndPoint(BotAddress, botPort);
        bot.AddRemoteCandidate(new IceCandidate { Foundation = "1", Priority = 2122260223, Address = PeerAddress.ToString(), Port = 5000, Type = IceCandidateType.Host });
        bot.Start();

        // The bot's first check reaches the peer; before answering it, the peer's "ClientHello" flight goes out.
        var request = await FirstAsync(received.Reader, network, time, bot);
        for (byte i = 0; i < 10; i++)
        {
            peer.TrySendTo(Dtls(i), botEndPoint.Serialize());
        }

        stranger.TrySendTo(Dtls(99), botEndPoint.Serialize());
        await IdleAsync(network, bot);
        Assert.Empty(delivered);
        Assert.Equal(IceAgent.MaxHeldDtlsPerSource, bot.Counters[IceCounter.EarlyDtlsHeld]);
        Assert.Equal(10 - IceAgent.MaxHeldDtlsPerSource, bot.Counters.EarlyDtlsDropped);
        Assert.Equal(1, bot.Counters.DatagramsFromUnverifiedSource);

        // The signed answer verifies 198.51.100.7:5000: the held datagrams are delivered, first to last.
        peer.TrySendTo(SignedSuccess(request, new IPEndPoint(PeerAddress, 5000)), botEndPoint.Serialize());
        await IdleAsync(network, bot);
        Assert.Equal(Enumerable.Range(0, IceAgent.MaxHeldDtlsPerSource).Select(i => Dtls((byte)i)), delivered);

        // From now on DTLS from that address goes straight through; the stranger's still does not.
        peer.TrySendTo(Dtls(42), botEndPoint.Serialize());
        stranger.TrySendTo(Dtls(43), botEndPoint.Serialize());
        await IdleAsync(network, bot);
        Assert.Equal(Dtls(42), delivered[^1]);
        Assert.Equal(2, bot.Counters.DatagramsFromUnverifiedSource);
        await stop.CancelAsync();
        await reading;
    }

    private static byte[] Dtls(byte marker) => [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, marker, 0, 1, marker];

    /// <summary>A Binding success for <paramref name="request"/>, signed with the peer's password (what the bot checks).</summary>
    private static byte[] SignedSuccess(byte[] request, IPEndPoint mapped)
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccess, request.AsSpan(8, 12));
        writer.AddXorMappedAddress(mapped);
        writer.AddMessageIntegrity(StunIntegrity.ShortTermKey(PeerPassword));
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        return buffer[..length];
    }

    private static async Task ReadAllAsync(IDatagramSocket socket, ChannelWriter<byte[]> writer, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(socket.AddressFamily);
        try
        {
            while (true)
            {
                var length = await socket.ReceiveFromAsync(buffer, from, cancellationToken);
                writer.TryWrite(buffer[..length]);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Steps fake time until the peer received a datagram; returns it.</summary>
    private static async Task<byte[]> FirstAsync(ChannelReader<byte[]> reader, InMemoryNetwork network, FakeTimeProvider time, IceAgent agent)
    {
        for (var step = 0; step < 100; step++)
        {
            await IdleAsync(network, agent);
            if (reader.TryRead(out var datagram))
            {
                return datagram;
            }

            time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Fail("the bot sent no check");
        return [];
    }

    private static async Task IdleAsync(InMemoryNetwork network, IceAgent agent)
    {
        for (var round = 0; round < 3; round++)
        {
            await network.WhenIdleAsync().WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
            await agent.FlushAsync().WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        }
    }
}
