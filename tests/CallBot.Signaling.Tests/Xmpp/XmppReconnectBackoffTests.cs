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
        var ct = TestContext.Current.CancellationToken;
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
        var connecting = client.ConnectAsync(ct);

        var delays = new List<TimeSpan>();
        for (int attempt = 1; attempt <= 15; attempt++)
        {
            // The event comes once the retry timer is registered, so one bounded wait per attempt is enough.
            var failure = await failures.Reader.ReadAsync(ct).AsTask().WaitAsync(XmppTestClients.Timeout, ct);
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
}
