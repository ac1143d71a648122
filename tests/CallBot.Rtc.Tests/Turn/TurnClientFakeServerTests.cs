using System.Net;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Turn;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>Protocol corners a real coturn will not show on demand: stale nonces, garbage, silence.</summary>
public sealed class TurnClientFakeServerTests
{
    private static readonly IPEndPoint Relayed = new(IPAddress.Parse("192.0.2.10"), 50000);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stale_nonce_438_is_retried_with_the_new_nonce()
    {
        await using var server = new FakeTurnServer(request =>
        {
            var nonce = FakeTurnServer.NonceOf(request);
            return nonce switch
            {
                null => [FakeTurnServer.Error(request, 401, "Unauthorized", "nonce-1")],
                "nonce-1" => [FakeTurnServer.Error(request, 438, "Stale Nonce", "nonce-2")],
                _ => [FakeTurnServer.AllocateSuccess(request, Relayed)],
            };
        });
        // The test reads the server's requests in order: a retransmission of the first one (its 401 late under a loaded CI
        // run, past the 500 ms RTO) would stand where the nonced request is expected. Retransmission is not the subject.
        var options = server.ClientOptions();
        options.InitialRto = TimeSpan.FromSeconds(10);
        await using var client = new TurnClient(options);

        var allocation = await client.AllocateAsync(Ct);

        Assert.Equal(Relayed, allocation.RelayedEndPoint);
        var first = await server.NextRequestAsync();
        var second = await server.NextRequestAsync();
        var third = await server.NextRequestAsync();
        Assert.Null(FakeTurnServer.NonceOf(first));
        Assert.False(FakeTurnServer.HasAttribute(first, StunAttributeType.MessageIntegrity));
        Assert.Equal("nonce-1", FakeTurnServer.NonceOf(second));
        Assert.True(FakeTurnServer.IntegrityValid(second));
        Assert.Equal("nonce-2", FakeTurnServer.NonceOf(third));
        Assert.True(FakeTurnServer.IntegrityValid(third));
        Assert.True(FakeTurnServer.HasAttribute(third, TurnAttributeType.RequestedTransport));
        Assert.Equal(2, client.Counters[TurnCounter.ErrorResponses]);
    }

    [Fact]
    public async Task Endless_stale_nonces_end_in_a_438_failure()
    {
        var count = 0;
        await using var server = new FakeTurnServer(request =>
            [FakeTurnServer.Error(request, count == 0 ? 401 : 438, "again", "nonce-" + Interlocked.Increment(ref count))]);
        await using var client = new TurnClient(server.ClientOptions());

        var failure = await Assert.ThrowsAsync<TurnErrorResponseException>(() => client.AllocateAsync(Ct));

        Assert.Equal(TurnErrorCode.StaleNonce, failure.Code);
        Assert.Equal(4, client.Counters[TurnCounter.RequestsSent]); // challenge, then 438 twice retried, third 438 surfaced
    }

    [Theory]
    [InlineData(TurnErrorCode.Forbidden)]
    [InlineData(TurnErrorCode.WrongCredentials)]
    [InlineData(TurnErrorCode.UnsupportedTransportProtocol)]
    public async Task Permanent_errors_surface_typed_without_retries(int code)
    {
        await using var server = new FakeTurnServer(request =>
            [FakeTurnServer.NonceOf(request) is null ? FakeTurnServer.Error(request, 401, "Unauthorized", "n") : FakeTurnServer.Error(request, code, "no")]);
        var options = server.ClientOptions();
        options.AllocateRetries = 3;
        await using var client = new TurnClient(options);

        var failure = await Assert.ThrowsAsync<TurnErrorResponseException>(() => client.AllocateAsync(Ct));

        Assert.Equal(code, failure.Code);
        Assert.False(failure.IsTransient);
        Assert.Equal(2, client.Counters[TurnCounter.RequestsSent]);
    }

    [Theory]
    [InlineData(TurnErrorCode.AllocationMismatch)]
    [InlineData(TurnErrorCode.AllocationQuotaReached)]
    [InlineData(TurnErrorCode.InsufficientCapacity)]
    public async Task Transient_errors_are_retried_by_the_pipeline_then_succeed(int code)
    {
        var attempts = 0;
        await using var server = new FakeTurnServer(request =>
        {
            if (FakeTurnServer.NonceOf(request) is null)
            {
                return [FakeTurnServer.Error(request, 401, "Unauthorized", "n")];
            }

            return Interlocked.Increment(ref attempts) == 1
                ? [FakeTurnServer.Error(request, code, "later")]
                : [FakeTurnServer.AllocateSuccess(request, Relayed)];
        });
        var options = server.ClientOptions();
        options.AllocateRetries = 2;
        options.AllocateRetryDelay = TimeSpan.FromMilliseconds(1);
        await using var client = new TurnClient(options);

        var allocation = await client.AllocateAsync(Ct);

        Assert.Equal(Relayed, allocation.RelayedEndPoint);
        Assert.Equal(2, attempts);
        Assert.Equal(4, client.Counters[TurnCounter.RequestsSent]); // each attempt is a fresh connection: 401 challenge + request
    }

    [Fact]
    public async Task Success_with_a_bad_MESSAGE_INTEGRITY_is_ignored()
    {
        await using var server = new FakeTurnServer(request => FakeTurnServer.NonceOf(request) is null
            ? [FakeTurnServer.Error(request, 401, "Unauthorized", "n")]
            : [FakeTurnServer.AllocateSuccess(request, new IPEndPoint(IPAddress.Parse("192.0.2.66"), 1), key: new byte[16]), FakeTurnServer.AllocateSuccess(request, Relayed)]);
        await using var client = new TurnClient(server.ClientOptions());

        var allocation = await client.AllocateAsync(Ct);

        Assert.Equal(Relayed, allocation.RelayedEndPoint);
        Assert.Equal(1, client.Counters.Drops[TurnDropReason.BadIntegrity]);
    }

    [Fact]
    public async Task Udp_requests_are_retransmitted_at_RTO_doubling_then_time_out()
    {
        var time = new FakeTimeProvider();
        await using var server = new FakeTurnServer(_ => []);
        await using var client = new TurnClient(server.ClientOptions(), time);

        var allocate = client.AllocateAsync(Ct);
        await server.NextRequestAsync();
        // RFC 8489 §6.2.1 with RTO 500 ms, Rc 7: sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s.
        foreach (var gap in new[] { 500, 1000, 2000, 4000, 8000, 16000 })
        {
            time.Advance(TimeSpan.FromMilliseconds(gap - 1));
            Assert.Equal(0, server.Received.Reader.Count);
            time.Advance(TimeSpan.FromMilliseconds(1));
            await server.NextRequestAsync();
        }

        // Then Rm × RTO = 8 s of silence fails the transaction (39.5 s in all).
        time.Advance(TimeSpan.FromMilliseconds(7999));
        Assert.False(allocate.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<TurnTimeoutException>(() => allocate);
        Assert.Equal(7, client.Counters[TurnCounter.RequestsSent]);
        Assert.Equal(6, client.Counters[TurnCounter.Retransmissions]);
    }

    [Fact]
    public async Task Garbage_from_the_server_is_counted_and_never_crashes()
    {
        await using var server = new FakeTurnServer(request =>
        {
            var transactionId = FakeTurnServer.TransactionIdOf(request);
            var truncated = FakeTurnServer.Error(request, 401, "Unauthorized", "n")[..30]; // length field says more
            var badFingerprint = FakeTurnServer.Error(request, 401, "Unauthorized", "n");
            badFingerprint[^1] ^= 0xFF;
            byte[] unknownChannel = [0x40, 0x07, 0x00, 0x01, 0xEE, 0, 0, 0];
            byte[] notTurn = [0x80, 0x60, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8];
            byte[] oneByte = [0x00];
            return [truncated, badFingerprint, unknownChannel, notTurn, oneByte, [.. transactionId]];
        });
        var options = server.ClientOptions();
        options.InitialRto = TimeSpan.FromMilliseconds(20);
        options.MaxTransmissions = 2;
        options.LastWaitMultiplier = 4;
        await using var client = new TurnClient(options);

        await Assert.ThrowsAsync<TurnTimeoutException>(() => client.AllocateAsync(Ct));

        Assert.Equal(0, client.Counters[TurnCounter.HandlerFailures]);
        Assert.True(client.Counters.Drops[TurnDropReason.BadStun] >= 2);
        Assert.True(client.Counters.Drops[TurnDropReason.UnknownChannel] >= 1);
        Assert.True(client.Counters.Drops[TurnDropReason.NotStunOrChannelData] >= 3);
    }

    [Fact]
    public async Task Fuzzed_frames_are_each_dropped_and_counted_exactly_once()
    {
        await using var client = new TurnClient(new TurnClientOptions
        {
            Server = new TurnServerUrl("127.0.0.1", 9, TurnTransportKind.Udp),
            Username = "u",
            Password = "p",
        });
        long frames = 0;
        var stunShaped = Gen.Select(Gen.UShort, Gen.Byte.Array[0, 60]).Select((type, body) =>
        {
            // Valid STUN header (any type) with a correct length over random attribute bytes.
            var length = body.Length & ~3;
            var frame = new byte[20 + length];
            frame[0] = (byte)((type >> 8) & 0x3F);
            frame[1] = (byte)type;
            frame[2] = (byte)(length >> 8);
            frame[3] = (byte)length;
            frame[4] = 0x21;
            frame[5] = 0x12;
            frame[6] = 0xA4;
            frame[7] = 0x42;
            body.AsSpan(0, length).CopyTo(frame.AsSpan(20));
            return frame;
        });
        var channelShaped = Gen.Select(Gen.UShort[0x4000, 0x7FFF], Gen.Byte.Array[0, 40]).Select((channel, body) =>
            new byte[] { (byte)(channel >> 8), (byte)channel, 0, (byte)body.Length }.Concat(body).ToArray());

        Gen.OneOf(Gen.Byte.Array[0, 80], stunShaped, channelShaped).Sample(frame =>
        {
            client.OnFrame(frame);
            frames++;
        }, iter: 20_000, threads: 1);

        Assert.Equal(0, client.Counters[TurnCounter.HandlerFailures]);
        Assert.Equal(frames, client.Counters.Drops.Total);
    }
}
