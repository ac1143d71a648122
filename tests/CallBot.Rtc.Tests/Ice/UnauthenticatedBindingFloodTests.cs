using System.Net;
using System.Security.Cryptography;
using System.Text;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>
/// Issue 16 row 8: Binding requests that fail authentication come from anyone; answering each one makes the bot a
/// reflector. Answers are rate-limited (token bucket on fake time), the rest are counted, and a real peer still connects.
/// </summary>
public sealed class UnauthenticatedBindingFloodTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.66");

    [Fact]
    public async Task Flood_of_unauthenticated_requests_gets_answers_bounded_by_the_rate_limit()
    {
        await using var net = new FakeIceNetwork();
        using var attacker = net.Network.AddHost(Attacker).Bind(new IPEndPoint(Attacker, 0));
        var answers = 0;
        using var stop = new CancellationTokenSource();
        var receiving = ReceiveAllAsync(attacker, () => Interlocked.Increment(ref answers), stop.Token);
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.B.SelectedPair is not null, TimeSpan.FromSeconds(5));
        var target = new IPEndPoint(FakeIceNetwork.AddressB, net.B.SelectedPair!.LocalEndPoint.Port).Serialize();
        var limit = new IceOptions().UnauthenticatedAnswersPerSecond;

        // Three bursts one fake second apart, each 1,000 requests: half with an unknown ufrag, half with a bad signature.
        for (var burst = 0; burst < 3; burst++)
        {
            for (var i = 0; i < 1000; i++)
            {
                attacker.TrySendTo(Request(i % 2 == 0 ? "nobody:attacker" : net.B.LocalCredentials.Ufrag + ":attacker"), target);
                if (i % 100 == 99)
                {
                    await net.QuiesceAsync(); // let the agent drain, so the queue bound is not what limits the answers
                }
            }

            await net.RunForAsync(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(Volatile.Read(ref answers), 1, 3 * limit);
        Assert.Equal(3000 - Volatile.Read(ref answers), net.B.Counters.UnauthenticatedRequestsNotAnswered + net.B.Counters.StunQueueFull);
        Assert.Equal(IceConnectionState.Completed, net.B.State); // the real peer is unaffected
        await stop.CancelAsync();
        await receiving;
    }

    private static byte[] Request(string username)
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername(username);
        writer.AddPriority(0x6E0001FF);
        writer.AddMessageIntegrity(Encoding.UTF8.GetBytes("not-the-password-at-all!"));
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        return buffer[..length];
    }

    private static async Task ReceiveAllAsync(IDatagramSocket socket, Action onDatagram, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(socket.AddressFamily);
        try
        {
            while (true)
            {
                await socket.ReceiveFromAsync(buffer, from, cancellationToken);
                onDatagram();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
