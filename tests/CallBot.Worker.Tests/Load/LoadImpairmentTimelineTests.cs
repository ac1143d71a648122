using System.Net;
using System.Net.Sockets;
using CallBot.Load.Scenario;
using CallBot.Rtc.Transport;
using CallBot.Worker.Load;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Worker.Tests.Load;

/// <summary>A group's timeline drives the sockets its users already hold: the network changes mid-call, at the step's time from the first call.</summary>
public sealed class LoadImpairmentTimelineTests
{
    private const string Scenario = """
        name: timeline
        chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "1" }
        users:
          range: { from: 1, to: 4, login: "bot-{id}", password: "pw-{id}" }
        load:
          stages:
            - { duration: 2s, target: 1 }
        groups:
          - name: timed
            share: 0.5
            timeline:
              - { at: 20s, uplink: { loss: 1 } }
              - { at: 40s, preset: clean }
          - name: fixed
            share: 0.5
            preset: lossy-5
        """;

    [Fact]
    public async Task A_socket_bound_before_the_window_drops_everything_inside_it_and_sends_again_after()
    {
        var (scenario, errors) = ScenarioLoader.Load(Scenario);
        Assert.True(scenario is not null, string.Join("\n", errors));
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        using var networks = new LoadImpairment(scenario, scheduler, time);
        var timedUser = scenario.Users.First(u => u.Group == "timed");
        using var socket = Assert.IsType<ImpairedDatagramSocket>(networks.SocketsFor(timedUser)!.Bind(new IPEndPoint(IPAddress.Loopback, 0)));
        using var peer = UdpSocketFactory.Instance.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var to = peer.LocalEndPoint.Serialize();
        var ct = TestContext.Current.CancellationToken;

        networks.Start();
        Assert.True(socket.TrySendTo([1], to));
        var buffer = new byte[16];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        Assert.Equal(1, await peer.ReceiveFromAsync(buffer, from, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct));

        time.Advance(TimeSpan.FromSeconds(20));
        for (var i = 0; i < 10; i++)
        {
            socket.TrySendTo([2], to);
        }

        Assert.Equal(10, socket.UplinkCounters[ImpairmentCounter.DroppedLoss]);

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(socket.TrySendTo([3], to));
        Assert.Equal(1, await peer.ReceiveFromAsync(buffer, from, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(3, buffer[0]); // nothing of the window leaked through
        Assert.Equal(10, socket.UplinkCounters[ImpairmentCounter.DroppedLoss]);

        var fixedUser = scenario.Users.First(u => u.Group == "fixed");
        Assert.Null(networks.ControlOf("fixed"));
        Assert.Equal(0.05, Assert.IsType<ImpairedSocketFactory>(networks.SocketsFor(fixedUser)).Profile.Uplink.LossRate);
    }
}
