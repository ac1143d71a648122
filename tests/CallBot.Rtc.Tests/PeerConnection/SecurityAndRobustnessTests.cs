using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CallBot.Abstractions;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>Negative paths of a connected call: forged, replayed and garbage datagrams are counted and dropped; a wrong fingerprint fails.</summary>
public sealed class SecurityAndRobustnessTests
{
    [Fact]
    public async Task Wrong_fingerprint_in_the_answer_fails_the_connection()
    {
        await using var offerer = PeerHarness.Create();
        await using var answerer = PeerHarness.Create(certificate: DtlsCertificate.Generate("other"));
        offerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        PeerHarness.Trickle(offerer, answerer);
        PeerHarness.Trickle(answerer, offerer);
        var offererFailed = PeerHarness.WaitForStateAsync(offerer, PeerConnectionState.Failed, PeerConnectionState.Connected);
        var answererFailed = PeerHarness.WaitForStateAsync(answerer, PeerConnectionState.Failed, PeerConnectionState.Connected);

        // The answer claims a certificate the answerer does not hold (a third party's).
        var impostor = DtlsCertificate.Generate("impostor").Fingerprint.ToString();
        await PeerHarness.NegotiateAsync(offerer, answerer,
            mungeAnswer: answer => System.Text.RegularExpressions.Regex.Replace(answer, "a=fingerprint:[^\r\n]+", "a=fingerprint:" + impostor));

        Assert.Equal(PeerConnectionState.Failed, await offererFailed);
        Assert.Equal(PeerConnectionState.Failed, await answererFailed);
        Assert.Null(offerer.GetStats().Transport.SrtpCipher);
        Assert.Equal("failed", offerer.GetStats().Transport.DtlsState);
    }

    [Fact]
    public async Task Tampered_srtp_is_counted_as_auth_failure_and_dropped()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        await peers.SendFrameAndWaitAsync();
        var original = LastMediaPacket(peers);
        var framesBefore = peers.ReceivedByB.Count;

        // A copy moved ahead in sequence (so the replay window lets it through to authentication) with one ciphertext bit flipped.
        var tampered = original.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(tampered.AsSpan(2), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(tampered.AsSpan(2)) + 100));
        tampered[^20] ^= 0x01;
        peers.InjectAsA(tampered);
        var sentinel = await peers.SendFrameAndWaitAsync();

        var stats = peers.B.GetStats();
        Assert.Equal(1, stats.Transport.SrtpAuthFailures);
        Assert.Equal(framesBefore + 1, peers.ReceivedByB.Count);
        Assert.Equal(sentinel, peers.ReceivedByB.Frames[^1].Data.ToArray());
        Assert.Equal(PeerConnectionState.Connected, peers.B.ConnectionState);
    }

    [Fact]
    public async Task Replayed_srtp_packet_is_dropped()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        await peers.SendFrameAndWaitAsync();
        var original = LastMediaPacket(peers);
        var framesBefore = peers.ReceivedByB.Count;
        var packetsBefore = peers.B.GetStats().Inbound.Single().PacketsReceived;

        peers.InjectAsA(original);
        peers.InjectAsA(original);
        await peers.SendFrameAndWaitAsync();

        var stats = peers.B.GetStats();
        Assert.Equal(2, stats.Transport.SrtpReplayed);
        Assert.Equal(framesBefore + 1, peers.ReceivedByB.Count);
        Assert.Equal(0, stats.Transport.SrtpAuthFailures);
        Assert.True(stats.Inbound.Single().PacketsReceived > packetsBefore);
    }

    [Fact]
    public async Task Stun_request_without_valid_integrity_is_ignored()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        var before = peers.B.GetStats();
        var credentials = peers.LocalCredentialsOfB;

        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername(credentials.Ufrag + ":attacker");
        writer.AddPriority(0x6E0001FF);
        writer.AddIceControlling(42);
        writer.AddMessageIntegrity(Encoding.UTF8.GetBytes("not-the-password-at-all!"));
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        peers.Inject(buffer[..length]);
        await peers.SendFrameAndWaitAsync();
        await peers.B.IceAgent!.FlushAsync();

        var after = peers.B.GetStats();
        Assert.Equal(before.Transport.StunIntegrityFailures + 1, after.Transport.StunIntegrityFailures);
        Assert.Equal(before.SelectedCandidatePair, after.SelectedCandidatePair);
        Assert.Equal(PeerConnectionState.Connected, peers.B.ConnectionState);
    }

    [Fact]
    public async Task Garbage_datagrams_are_counted_and_media_keeps_flowing()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        var random = new Random(20261125);
        var before = peers.B.GetStats().Transport;
        for (var i = 0; i < 2000; i++)
        {
            var datagram = new byte[random.Next(1, 1500)];
            random.NextBytes(datagram);
            datagram[0] = (byte)(i % 256);
            peers.Inject(datagram);
        }

        // RTP-looking garbage with a plausible header (version 2, the negotiated VP8 payload type), from A's address
        // (on-path or spoofed), so it gets past the source check to SRTP authentication.
        for (var i = 0; i < 200; i++)
        {
            var datagram = new byte[random.Next(12, 1300)];
            random.NextBytes(datagram);
            datagram[0] = 0x80;
            datagram[1] = (byte)(i % 2 == 0 ? 96 : 200);
            peers.InjectAsA(datagram);
        }

        var frame = await peers.SendFrameAndWaitAsync();

        var after = peers.B.GetStats().Transport;
        Assert.Equal(frame, peers.ReceivedByB.Frames[^1].Data.ToArray());
        Assert.Equal(PeerConnectionState.Connected, peers.B.ConnectionState);
        Assert.True(after.DatagramsReceived - before.DatagramsReceived >= 2200);
        var counted = (after.GarbageDatagrams - before.GarbageDatagrams) + (after.SrtpAuthFailures - before.SrtpAuthFailures)
            + (after.SrtpOtherDrops - before.SrtpOtherDrops) + (after.StunMalformed - before.StunMalformed)
            + (after.UnverifiedSourceDatagrams - before.UnverifiedSourceDatagrams);
        Assert.True(counted > 1000, $"counted {counted}");
        Assert.True(after.SrtpAuthFailures - before.SrtpAuthFailures >= 100);
    }

    /// <summary>The last SRTP (not SRTCP) datagram A sent to B.</summary>
    private static byte[] LastMediaPacket(InMemoryPeers peers)
    {
        byte[]? last = null;
        foreach (var datagram in peers.Tapped)
        {
            if (datagram.Length > 100 && datagram[0] is >= 128 and <= 191 && datagram[1] is < 192 or > 223)
            {
                last = datagram;
            }
        }

        Assert.NotNull(last);
        return last;
    }
}
