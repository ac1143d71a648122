using System.Net;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Turn;
using CallBot.TestSupport.Coturn;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>Refresh timers (RFC 8656 §8, §9, §12) on a fake clock: what is sent, and when.</summary>
public sealed class TurnMaintenanceTests(CoturnFixture coturn) : IClassFixture<CoturnFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Allocation_permissions_and_channels_are_refreshed_before_they_expire()
    {
        var time = new FakeTimeProvider();
        await using var server = new FakeTurnServer(FakeTurnServer.Permissive);
        var options = server.ClientOptions();

        // The test advances the clock by minutes while a response may still be in flight; an RTO longer than
        // any step keeps those steps from also triggering retransmissions (asserted on below).
        options.InitialRto = TimeSpan.FromHours(1);
        await using var client = new TurnClient(options, time);
        await client.AllocateAsync(Ct);
        await client.BindChannelAsync(new IPEndPoint(IPAddress.Parse("198.51.100.7"), 5000), Ct);
        Assert.Equal(StunMethod.Allocate, FakeTurnServer.MethodOf(await server.NextRequestAsync())); // 401
        Assert.Equal(StunMethod.Allocate, FakeTurnServer.MethodOf(await server.NextRequestAsync()));
        Assert.Equal(StunMethod.CreatePermission, FakeTurnServer.MethodOf(await server.NextRequestAsync()));
        Assert.Equal(StunMethod.ChannelBind, FakeTurnServer.MethodOf(await server.NextRequestAsync()));

        // Permissions live 300 s: refreshed every 4 min.
        time.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, server.Received.Reader.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var permission = await server.NextRequestAsync();
        Assert.Equal(StunMethod.CreatePermission, FakeTurnServer.MethodOf(permission));
        Assert.True(FakeTurnServer.IntegrityValid(permission));

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(StunMethod.CreatePermission, FakeTurnServer.MethodOf(await server.NextRequestAsync()));

        // 9 min: the allocation (600 s, 60 s margin) and the channel (600 s) are both refreshed.
        time.Advance(TimeSpan.FromMinutes(1));
        var methods = new[] { FakeTurnServer.MethodOf(await server.NextRequestAsync()), FakeTurnServer.MethodOf(await server.NextRequestAsync()) };
        Assert.Contains(StunMethod.Refresh, methods);
        Assert.Contains(StunMethod.ChannelBind, methods);
        Assert.Equal(0, client.Counters[TurnCounter.Retransmissions]);
    }

    [Fact]
    public async Task Refresh_timer_against_coturn_renews_and_reschedules()
    {
        var time = new FakeTimeProvider();
        await using var client = new TurnClient(
            new TurnClientOptions
            {
                Server = TurnServerUrl.Parse(coturn.UdpUrl),
                Username = coturn.Username,
                Password = coturn.Password,
            },
            time);
        await client.AllocateAsync(Ct).WaitAsync(Timeout, Ct);

        for (var round = 0; round < 2; round++)
        {
            var refreshed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnRefreshed(object? sender, TimeSpan lifetime) => refreshed.TrySetResult(lifetime);
            client.Refreshed += OnRefreshed;
            time.Advance(TimeSpan.FromMinutes(9)); // 600 s lifetime − 60 s margin
            Assert.Equal(TimeSpan.FromMinutes(10), await refreshed.Task.WaitAsync(Timeout, Ct));
            client.Refreshed -= OnRefreshed;
        }

        Assert.Equal(2, client.Counters[TurnCounter.Refreshes]);
    }

    [Fact]
    public async Task Failed_refresh_reports_the_allocation_lost()
    {
        var time = new FakeTimeProvider();
        await using var server = new FakeTurnServer(request => FakeTurnServer.MethodOf(request) == StunMethod.Refresh
            ? [FakeTurnServer.Error(request, TurnErrorCode.AllocationMismatch, "Allocation Mismatch")]
            : FakeTurnServer.Permissive(request));
        await using var client = new TurnClient(server.ClientOptions(), time);
        await client.AllocateAsync(Ct);
        var lost = new TaskCompletionSource<TurnException>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.AllocationLost += (_, failure) => lost.TrySetResult(failure);

        time.Advance(TimeSpan.FromMinutes(9));

        var failure = Assert.IsType<TurnErrorResponseException>(await lost.Task.WaitAsync(Timeout, Ct));
        Assert.Equal(TurnErrorCode.AllocationMismatch, failure.Code);
    }
}
