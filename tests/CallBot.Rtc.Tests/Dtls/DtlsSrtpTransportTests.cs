using CallBot.Rtc.Dtls;
using CallBot.Rtc.Srtp;
using CallBot.TestSupport;
using Org.BouncyCastle.Tls;

namespace CallBot.Rtc.Tests.Dtls;

public sealed class DtlsSrtpTransportTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LossyHandshakeBudget = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Profiles => new(SrtpProfile.All.Select(p => p.Name));

    private static SrtpProfile Profile(string name) => SrtpProfile.All.Single(p => p.Name == name);

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Client_and_server_agree_on_each_profile_and_srtp_flows_both_ways(string name)
    {
        var profile = Profile(name);
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link,
            DtlsTestPeers.Options(DtlsRole.Client, SrtpProfile.All),
            DtlsTestPeers.Options(DtlsRole.Server, [profile]));
        await using var c = client;
        await using var s = server;

        var results = await Task.WhenAll(client.HandshakeAsync(Ct), server.HandshakeAsync(Ct)).WaitAsync(TestTimeout, Ct);
        var (clientResult, serverResult) = (results[0], results[1]);
        try
        {
            Assert.Same(profile, clientResult.Profile);
            Assert.Same(profile, serverResult.Profile);
            Assert.True(clientResult.ExtendedMasterSecret);
            Assert.True(serverResult.ExtendedMasterSecret);
            Assert.Equal(DtlsTestPeers.ServerCertificate.Fingerprint, clientResult.RemoteFingerprint);
            Assert.Equal(DtlsTestPeers.ClientCertificate.Fingerprint, serverResult.RemoteFingerprint);
            Assert.Equal(clientResult.CipherSuite, serverResult.CipherSuite);
            Assert.True(client.IsConnected);
            DtlsTestPeers.AssertSrtpFlowsBothWays(clientResult, serverResult);
        }
        finally
        {
            Dispose(clientResult, serverResult);
        }
    }

    [Fact]
    public async Task Handshake_thread_ends_with_the_handshake()
    {
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link, DtlsTestPeers.Options(DtlsRole.Client), DtlsTestPeers.Options(DtlsRole.Server));
        await using var c = client;
        await using var s = server;
        var results = await Task.WhenAll(client.HandshakeAsync(Ct), server.HandshakeAsync(Ct)).WaitAsync(TestTimeout, Ct);

        Assert.True(client.HandshakeThread!.Join(TimeSpan.FromSeconds(5)), "client handshake thread still running");
        Assert.True(server.HandshakeThread!.Join(TimeSpan.FromSeconds(5)), "server handshake thread still running");
        Assert.True(client.IsConnected);
        Dispose(results);
    }

    [Fact]
    public async Task Twenty_associations_created_connected_and_closed_leave_no_handshake_thread()
    {
        var threads = new List<Thread>();
        for (var i = 0; i < 20; i++)
        {
            var link = new DatagramLink();
            var (client, server) = DtlsTestPeers.Connect(link, DtlsTestPeers.Options(DtlsRole.Client), DtlsTestPeers.Options(DtlsRole.Server));
            var results = await Task.WhenAll(client.HandshakeAsync(Ct), server.HandshakeAsync(Ct)).WaitAsync(TestTimeout, Ct);
            Dispose(results);
            await client.DisposeAsync();
            await server.DisposeAsync();
            threads.Add(client.HandshakeThread!);
            threads.Add(server.HandshakeThread!);
        }

        Assert.All(threads, thread => Assert.True(thread.Join(TimeSpan.FromSeconds(5))));
    }

    [Fact]
    public async Task Oversized_empty_and_post_dispose_datagrams_are_dropped_and_counted()
    {
        var transport = new DtlsSrtpTransport(DtlsTestPeers.Options(DtlsRole.Server), _ => { });
        transport.OnDatagram(new byte[1501]);
        transport.OnDatagram([]);
        Assert.Equal(2, transport.DroppedDatagrams);
        await transport.DisposeAsync();
        transport.OnDatagram(new byte[100]); // ignored, no throw
        await Assert.ThrowsAsync<ObjectDisposedException>(() => transport.HandshakeAsync(Ct));
    }

    [Fact]
    public async Task Server_preference_decides_the_profile()
    {
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link,
            DtlsTestPeers.Options(DtlsRole.Client, [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1Tag80]),
            DtlsTestPeers.Options(DtlsRole.Server, [SrtpProfile.Aes128CmHmacSha1Tag80, SrtpProfile.AeadAes128Gcm]));
        await using var c = client;
        await using var s = server;

        var results = await Task.WhenAll(client.HandshakeAsync(Ct), server.HandshakeAsync(Ct)).WaitAsync(TestTimeout, Ct);
        Assert.Same(SrtpProfile.Aes128CmHmacSha1Tag80, results[0].Profile);
        Dispose(results);
    }

    [Fact]
    public async Task No_common_profile_fails_both_sides()
    {
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link,
            DtlsTestPeers.Options(DtlsRole.Client, [SrtpProfile.Aes128CmHmacSha1Tag32]),
            DtlsTestPeers.Options(DtlsRole.Server, [SrtpProfile.AeadAes128Gcm]));
        await using var c = client;
        await using var s = server;

        var serverHandshake = server.HandshakeAsync(Ct);
        var clientError = await Assert.ThrowsAsync<DtlsHandshakeException>(() => client.HandshakeAsync(Ct).WaitAsync(TestTimeout, Ct));
        Assert.True(clientError.Failure == DtlsFailure.AlertReceived, clientError.ToString());
        var serverError = await Assert.ThrowsAsync<DtlsHandshakeException>(() => serverHandshake.WaitAsync(TestTimeout, Ct));
        Assert.True(serverError.Failure == DtlsFailure.NoSrtpProfile, serverError.ToString());
    }

    [Fact]
    public async Task Client_refuses_a_server_certificate_that_is_not_the_sdp_fingerprint()
    {
        var stranger = DtlsCertificate.Generate("mallory").Fingerprint;
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link,
            DtlsTestPeers.Options(DtlsRole.Client, expectRemote: stranger),
            DtlsTestPeers.Options(DtlsRole.Server));
        await using var c = client;
        await using var s = server;
        _ = server.HandshakeAsync(Ct);

        var error = await Assert.ThrowsAsync<DtlsFingerprintMismatchException>(() => client.HandshakeAsync(Ct).WaitAsync(TestTimeout, Ct));
        Assert.Equal(DtlsFailure.FingerprintMismatch, error.Failure);
        Assert.Equal(DtlsTestPeers.ServerCertificate.Fingerprint, error.Actual);
        var serverError = await Assert.ThrowsAsync<DtlsHandshakeException>(() => server.HandshakeAsync(Ct).WaitAsync(TestTimeout, Ct));
        Assert.Equal(DtlsFailure.AlertReceived, serverError.Failure); // bad_certificate from the client
    }

    [Fact]
    public async Task Server_refuses_a_client_certificate_that_is_not_the_sdp_fingerprint()
    {
        var stranger = DtlsCertificate.Generate("mallory").Fingerprint;
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link,
            DtlsTestPeers.Options(DtlsRole.Client),
            DtlsTestPeers.Options(DtlsRole.Server, expectRemote: stranger));
        await using var c = client;
        await using var s = server;
        _ = client.HandshakeAsync(Ct);

        var error = await Assert.ThrowsAsync<DtlsFingerprintMismatchException>(() => server.HandshakeAsync(Ct).WaitAsync(TestTimeout, Ct));
        Assert.Equal(DtlsTestPeers.ClientCertificate.Fingerprint, error.Actual);
        await Assert.ThrowsAsync<DtlsHandshakeException>(() => client.HandshakeAsync(Ct).WaitAsync(TestTimeout, Ct));
    }

    [Theory]
    [InlineData(0.2, 11)]
    [InlineData(0.25, 12)]
    [InlineData(0.25, 13)]
    public async Task Completes_over_a_lossy_link(double loss, int seed)
    {
        // On top of the random loss, each side's first datagram is always lost, so every run retransmits.
        var link = new DatagramLink(loss, seed) { DropWhen = (_, index) => index == 0 };
        // Independent loss, no cap: each lost flight doubles the resend timer (50 ms → BC's 60 s cap), so the 90 s
        // budget holds ~11 tries of an exchange; at 25 % each way one fails with p = 0.4375 and all 11 with p ≈ 1e-4.
        var retransmit = TimeSpan.FromMilliseconds(50);
        var (client, server) = DtlsTestPeers.Connect(link,
            DtlsTestPeers.Options(DtlsRole.Client, retransmit: retransmit, timeout: LossyHandshakeBudget),
            DtlsTestPeers.Options(DtlsRole.Server, retransmit: retransmit, timeout: LossyHandshakeBudget));
        await using var c = client;
        await using var s = server;

        var results = await Task.WhenAll(client.HandshakeAsync(Ct), server.HandshakeAsync(Ct)).WaitAsync(LossyHandshakeBudget + TestTimeout, Ct);
        Assert.True(link.Dropped >= 2, "the link should have dropped both first datagrams");
        DtlsTestPeers.AssertSrtpFlowsBothWays(results[0], results[1]);
        Dispose(results);
    }

    [Fact]
    public async Task Fragmented_client_hello_with_unknown_extensions_from_a_newer_browser_is_accepted()
    {
        // Imitates a 1.4 KB ClientHello as Chrome sends it (post-quantum key share, GREASE, DTLS 1.3 in supported_versions),
        // fragmented into several records because the client's datagram limit is small.
        var extensions = new Dictionary<int, byte[]>
        {
            [0x0A0A] = [],                                                        // GREASE
            [ExtensionType.key_share] = KeyShare(group: 0x11EC, length: 1216),   // X25519MLKEM768-sized share
            [ExtensionType.supported_versions] = [4, 0xFE, 0xFC, 0xFE, 0xFD],    // DTLS 1.3, DTLS 1.2
            [0xFE0D] = new byte[90],                                              // some future extension
        };
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link,
            DtlsTestPeers.Options(DtlsRole.Client, maxDatagram: 600, extraExtensions: extensions),
            DtlsTestPeers.Options(DtlsRole.Server));
        await using var c = client;
        await using var s = server;

        var results = await Task.WhenAll(client.HandshakeAsync(Ct), server.HandshakeAsync(Ct)).WaitAsync(TestTimeout, Ct);
        DtlsTestPeers.AssertSrtpFlowsBothWays(results[0], results[1]);

        // The first flight really was fragmented: ClientHello fragments (handshake type 1) in more than one record.
        var helloFragments = link.SentByA.Count(d => d[0] == 22 && d[13] == 1 && Fragment(d).Offset == 0);
        var fragments = link.SentByA.Where(d => d[0] == 22 && d[13] == 1).Select(Fragment).ToList();
        Assert.True(fragments.Max(f => f.TotalLength) > 1400, "ClientHello should exceed 1.4 KB");
        Assert.Contains(fragments, f => f.Offset > 0);
        Assert.True(helloFragments >= 1);
        Assert.All(link.SentByA, d => Assert.True(d.Length <= 600));
        Dispose(results);
    }

    [Fact]
    public async Task Garbage_datagrams_during_and_after_the_handshake_change_nothing()
    {
        var random = new Random(7);
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link, DtlsTestPeers.Options(DtlsRole.Client), DtlsTestPeers.Options(DtlsRole.Server));
        await using var c = client;
        await using var s = server;
        void Spray()
        {
            for (var i = 0; i < 50; i++)
            {
                var junk = new byte[random.Next(1, 300)];
                random.NextBytes(junk);
                junk[0] = (byte)random.Next(20, 64); // looks like DTLS to the demultiplexer
                server.OnDatagram(junk);
                client.OnDatagram(junk);
            }
        }

        Spray();
        var handshakes = Task.WhenAll(client.HandshakeAsync(Ct), server.HandshakeAsync(Ct));
        Spray();
        var results = await handshakes.WaitAsync(TestTimeout, Ct);
        Spray();
        DtlsTestPeers.AssertSrtpFlowsBothWays(results[0], results[1]);
        Assert.True(client.IsConnected);
        Assert.True(server.IsConnected);
        Dispose(results);
    }

    [Fact]
    public async Task Handshake_with_a_silent_peer_times_out()
    {
        var options = DtlsTestPeers.Options(DtlsRole.Client, retransmit: TimeSpan.FromMilliseconds(100), timeout: TimeSpan.FromSeconds(1));
        var sent = 0;
        await using var client = new DtlsSrtpTransport(options, _ => Interlocked.Increment(ref sent));

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => client.HandshakeAsync(Ct).WaitAsync(TestTimeout, Ct));
        Assert.Equal(DtlsFailure.Timeout, error.Failure);
        Assert.True(sent >= 2, $"ClientHello should have been retransmitted, sent {sent}");
    }

    [Fact]
    public async Task Cancellation_stops_the_handshake()
    {
        var options = DtlsTestPeers.Options(DtlsRole.Server);
        await using var server = new DtlsSrtpTransport(options, _ => { });
        using var cts = new CancellationTokenSource();
        var handshake = server.HandshakeAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handshake);
    }

    [Fact]
    public async Task Dispose_during_the_handshake_ends_it_as_closed()
    {
        var options = DtlsTestPeers.Options(DtlsRole.Server);
        var server = new DtlsSrtpTransport(options, _ => { });
        var handshake = server.HandshakeAsync(Ct);
        await server.DisposeAsync();
        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(TestTimeout, Ct));
        Assert.Equal(DtlsFailure.Closed, error.Failure);
        Assert.True(server.HandshakeThread!.Join(TimeSpan.FromSeconds(5)), "handshake thread still running after dispose");
    }

    [Fact]
    public async Task Close_notify_from_the_peer_raises_closed()
    {
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link, DtlsTestPeers.Options(DtlsRole.Client), DtlsTestPeers.Options(DtlsRole.Server));
        await using var s = server;
        var closed = new TaskCompletionSource<DtlsClosedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Closed += (_, e) => closed.TrySetResult(e);

        var results = await Task.WhenAll(client.HandshakeAsync(Ct), server.HandshakeAsync(Ct)).WaitAsync(TestTimeout, Ct);
        await client.DisposeAsync();

        var args = await closed.Task.WaitAsync(TestTimeout, Ct);
        Assert.True(args.ByPeer);
        Assert.Equal(AlertDescription.close_notify, args.AlertDescription);
        Assert.False(server.IsConnected);
        Dispose(results);
    }

    [Fact]
    public async Task Early_datagrams_before_handshake_async_are_kept()
    {
        // The remote ClientHello can arrive before the answer is applied and HandshakeAsync is called.
        var link = new DatagramLink();
        var (client, server) = DtlsTestPeers.Connect(link, DtlsTestPeers.Options(DtlsRole.Client), DtlsTestPeers.Options(DtlsRole.Server));
        await using var c = client;
        await using var s = server;
        var clientHandshake = client.HandshakeAsync(Ct);
        // Bounded: a client that never sends its ClientHello fails here instead of spinning forever.
        await Poll.UntilAsync(() => link.SentByA.Count > 0, TestTimeout, "the client's first flight", Ct);

        var results = await Task.WhenAll(clientHandshake, server.HandshakeAsync(Ct)).WaitAsync(TestTimeout, Ct);
        DtlsTestPeers.AssertSrtpFlowsBothWays(results[0], results[1]);
        Dispose(results);
    }

    private static byte[] KeyShare(int group, int length)
    {
        // KeyShareClientHello: client_shares<0..2^16-1> of { NamedGroup group; opaque key_exchange<1..2^16-1> }
        var data = new byte[2 + 2 + 2 + length];
        var total = data.Length - 2;
        data[0] = (byte)(total >> 8);
        data[1] = (byte)total;
        data[2] = (byte)(group >> 8);
        data[3] = (byte)group;
        data[4] = (byte)(length >> 8);
        data[5] = (byte)length;
        new Random(3).NextBytes(data.AsSpan(6));
        return data;
    }

    // DTLS record header (13 bytes) then handshake header: type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3).
    private static (int TotalLength, int Offset) Fragment(byte[] record) =>
        ((record[14] << 16) | (record[15] << 8) | record[16], (record[19] << 16) | (record[20] << 8) | record[21]);

    private static void Dispose(params DtlsSrtpResult[] results)
    {
        foreach (var result in results)
        {
            result.LocalContext.Dispose();
            result.RemoteContext.Dispose();
        }
    }
}
