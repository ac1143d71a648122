using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>
/// Two agents on an <see cref="InMemoryNetwork"/> driven by a <see cref="FakeTimeProvider"/>. Time only
/// moves in <see cref="RunUntilAsync"/>, and only after the network and both agent loops are idle, so
/// runs are deterministic up to thread scheduling of already-due work.
/// </summary>
internal sealed class FakeIceNetwork : IAsyncDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("10.0.0.2");

    /// <param name="hostB">Wraps B's host (e.g. to change its interface addresses during the test).</param>
    public FakeIceNetwork(IceRole roleA = IceRole.Controlling, IceRole roleB = IceRole.Controlled, Func<IDatagramSocketFactory, IDatagramSocketFactory>? hostB = null)
    {
        Network = new InMemoryNetwork();
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var a = new IceAgent(new IceOptions { Role = roleA, AllowPrivateRemoteCandidates = true }, Network.AddHost(AddressA), Time);
        var b = new IceAgent(new IceOptions { Role = roleB, AllowPrivateRemoteCandidates = true }, (hostB ?? (h => h))(Network.AddHost(AddressB)), Time);
        Peers = new IcePeers(a, b);
    }

    public InMemoryNetwork Network { get; }

    public FakeTimeProvider Time { get; }

    public IcePeers Peers { get; }

    public IceAgent A => Peers.A;

    public IceAgent B => Peers.B;

    /// <summary>Advances fake time in <paramref name="step"/>s until <paramref name="condition"/> holds; returns fake time spent.</summary>
    public async Task<TimeSpan> RunUntilAsync(Func<bool> condition, TimeSpan limit, TimeSpan? step = null, Action? eachStep = null)
    {
        var increment = step ?? TimeSpan.FromMilliseconds(50);
        var spent = TimeSpan.Zero;
        while (true)
        {
            await QuiesceAsync();
            if (condition())
            {
                return spent;
            }

            if (spent >= limit)
            {
                Assert.Fail($"condition not reached within {limit} of fake time");
            }

            eachStep?.Invoke();
            Time.Advance(increment);
            spent += increment;
        }
    }

    /// <summary>Runs fake time for <paramref name="duration"/> regardless of state.</summary>
    public Task RunForAsync(TimeSpan duration, TimeSpan? step = null, Action? eachStep = null)
    {
        var end = Time.GetUtcNow() + duration;
        return RunUntilAsync(() => Time.GetUtcNow() >= end, duration + TimeSpan.FromSeconds(1), step, eachStep);
    }

    public async Task QuiesceAsync()
    {
        for (var round = 0; round < 100; round++)
        {
            await Network.WhenIdleAsync().WaitAsync(IcePeers.Timeout);
            await A.FlushAsync().WaitAsync(IcePeers.Timeout);
            await B.FlushAsync().WaitAsync(IcePeers.Timeout);
            if (Network.WhenIdleAsync().IsCompleted)
            {
                return;
            }
        }
    }

    public ValueTask DisposeAsync() => Peers.DisposeAsync();
}
