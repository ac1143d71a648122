using System.Threading.Channels;
using CallBot.Signaling.Xmpp;
using CallBot.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Signaling.Tests.Xmpp;

public sealed class XmppReconnectBackoffTests
{
    [Fact]
    public async Task Unreachable_server_is_retried_without_end_with_capped_exponential_jittered_delays()
    {
        var time = new FakeTimeProvider();
        var failures = Channel.CreateUnbounded<XmppConnectAttemptFailedEventArgs>();
        int closedPort = FreePort.Tcp(); // nothing listens: every connect is refused at once
        await using var client = new XmppClient(new XmppClientOptions
        {
            Endpoint = new Uri($"tcp://127.0.0.1:{closedPort}"),
            Domain = "localhost",
            TlsMode = XmppTlsMode.None,
            UserName = "1-7",
            Password = "p",
            ReconnectBaseDelay = TimeSpan.FromSeconds(1),
            ReconnectMaxDelay = TimeSpan.FromSeconds(8),
        }, timeProvider: time);
        client.ConnectAttemptFailed += (_, e) => failures.Writer.TryWrite(e);
        var states = new List<ChatConnectionState>();
        client.StateChanged += (_, e) => states.Add(e.Current);
        var connecting = client.ConnectAsync(TestContext.Current.CancellationToken);

        var delays = new List<TimeSpan>();
        for (int attempt = 1; attempt <= 15; attempt++)
        {
            var failure = await NextFailureAsync(failures.Reader, time, delays.Count == 0 ? TimeSpan.Zero : delays[^1]);
            Assert.Equal(attempt, failure.Attempt);
            Assert.NotNull(failure.Error);
            delays.Add(failure.RetryDelay);
            // Nothing happens until the backoff delay has passed on the injected clock.
            Assert.Equal(attempt, client.ConnectAttempts);
            time.Advance(failure.RetryDelay);
        }

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(8)));
        Assert.Contains(delays, d => d > TimeSpan.FromSeconds(2)); // it grew
        Assert.True(delays.Distinct().Count() > 3);                // and it is jittered
        Assert.False(connecting.IsCompleted);
        Assert.Equal([ChatConnectionState.Connecting], states);
        Assert.Equal(ChatConnectionState.Connecting, client.State);
    }

    // The failure event can be raised before the retry's delay timer is registered on the fake clock; if the next attempt
    // does not come, advance the clock by the delay again (the timer is then registered, and fires).
    private static async Task<T> NextFailureAsync<T>(System.Threading.Channels.ChannelReader<T> reader, Microsoft.Extensions.Time.Testing.FakeTimeProvider time, TimeSpan delay)
    {
        var deadline = DateTime.UtcNow + XmppTestClients.Timeout;
        var next = reader.ReadAsync(TestContext.Current.CancellationToken).AsTask();
        while (true)
        {
            if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken)) == next)
            {
                return await next;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("no further connect attempt");
            }

            time.Advance(delay);
            if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken)) == next)
            {
                return await next;
            }
        }
    }
}
