using System.Buffers.Binary;
using CallBot.Rtc.Srtp;
using CallBot.TestSupport;

namespace CallBot.Rtc.Tests.Srtp;

public sealed class SrtpContextTests
{
    public static TheoryData<string> Profiles => new(SrtpProfile.All.Select(p => p.Name));

    private static SrtpProfile Profile(string name) => SrtpProfile.All.Single(p => p.Name == name);

    private static (SrtpContext Sender, SrtpContext Receiver) Pair(SrtpProfile profile, SrtpContextOptions? options = null)
    {
        var key = new byte[profile.MasterKeyLength];
        var salt = new byte[profile.MasterSaltLength];
        for (var i = 0; i < key.Length; i++)
        {
            key[i] = (byte)(i * 7 + 1);
        }

        for (var i = 0; i < salt.Length; i++)
        {
            salt[i] = (byte)(0xA0 + i);
        }

        return (new SrtpContext(profile, key, salt, options), new SrtpContext(profile, key, salt, options));
    }

    internal static byte[] Rtp(ushort sequence, uint ssrc, int payloadLength, int spare = 32, byte csrcCount = 0, bool extension = false)
    {
        var header = 12 + (4 * csrcCount) + (extension ? 8 : 0);
        var buffer = new byte[header + payloadLength + spare];
        buffer[0] = (byte)(0x80 | csrcCount | (extension ? 0x10 : 0));
        buffer[1] = 111;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), sequence * 960u);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), ssrc);
        if (extension)
        {
            var at = 12 + (4 * csrcCount);
            buffer[at] = 0xBE;
            buffer[at + 1] = 0xDE;
            buffer[at + 3] = 1; // one 32-bit word of extension data
            buffer[at + 4] = 0x10;
            buffer[at + 5] = 0x42;
        }

        for (var i = header; i < header + payloadLength; i++)
        {
            buffer[i] = (byte)(i ^ sequence);
        }

        return buffer;
    }

    private static byte[] Rtcp(uint ssrc, int spare = 32)
    {
        // RR with one report block: V=2 RC=1 PT=201 length=7.
        var buffer = new byte[32 + spare];
        buffer[0] = 0x81;
        buffer[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), 7);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), ssrc);
        for (var i = 8; i < 32; i++)
        {
            buffer[i] = (byte)i;
        }

        return buffer;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_round_trip(string name)
    {
        var profile = Profile(name);
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        uint ssrc = 0xCAFE0000;
        foreach (var (csrc, extension) in new[] { ((byte)0, false), ((byte)2, false), ((byte)1, true) })
        {
            ssrc++;
            for (ushort seq = 1000; seq < 1010; seq++)
            {
                var packet = Rtp(seq, ssrc, 200, csrcCount: csrc, extension: extension);
                var plain = packet.AsSpan(0, packet.Length - 32).ToArray();
                Assert.True(sender.TryProtectRtp(packet, plain.Length, out var protectedLength));
                Assert.Equal(plain.Length + profile.RtpAuthTagLength, protectedLength);
                var headerLength = 12 + (4 * csrc) + (extension ? 8 : 0);
                Assert.Equal(plain.AsSpan(0, headerLength).ToArray(), packet.AsSpan(0, headerLength).ToArray());
                Assert.NotEqual(plain.AsSpan(headerLength).ToArray(), packet.AsSpan(headerLength, plain.Length - headerLength).ToArray());

                Assert.True(receiver.TryUnprotectRtp(packet, protectedLength, out var plainLength, out var reason), reason.ToString());
                Assert.Equal(plain, packet.AsSpan(0, plainLength).ToArray());
            }
        }

        Assert.Equal(3, receiver.StreamCount);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_round_trip_with_incrementing_index(string name)
    {
        var profile = Profile(name);
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        for (var n = 0; n < 5; n++)
        {
            var packet = Rtcp(0x0BADF00D);
            var plain = packet.AsSpan(0, 32).ToArray();
            Assert.True(sender.TryProtectRtcp(packet, 32, out var protectedLength));
            Assert.Equal(32 + profile.RtcpOverhead, protectedLength);
            var indexWordAt = profile.IsAead ? protectedLength - 4 : 32;
            Assert.Equal(0x8000_0000u | (uint)n, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(indexWordAt)));

            Assert.True(receiver.TryUnprotectRtcp(packet, protectedLength, out var plainLength, out var reason), reason.ToString());
            Assert.Equal(plain, packet.AsSpan(0, plainLength).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Tampered_rtp_is_dropped_as_auth_failed_and_creates_no_stream(string name)
    {
        var (sender, receiver) = Pair(Profile(name));
        using var s = sender;
        using var r = receiver;
        var packet = Rtp(1, 0x11111111, 100);
        Assert.True(sender.TryProtectRtp(packet, 112, out var length));
        packet[40] ^= 0x80;

        Assert.False(receiver.TryUnprotectRtp(packet, length, out _, out var reason));
        Assert.Equal(SrtpDropReason.AuthFailed, reason);
        Assert.Equal(1, receiver.Drops[SrtpDropReason.AuthFailed]);
        Assert.Equal(0, receiver.StreamCount);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Tampered_header_is_dropped(string name)
    {
        var (sender, receiver) = Pair(Profile(name));
        using var s = sender;
        using var r = receiver;
        var packet = Rtp(1, 0x11111111, 100);
        Assert.True(sender.TryProtectRtp(packet, 112, out var length));
        packet[1] ^= 0x01; // payload type

        Assert.False(receiver.TryUnprotectRtp(packet, length, out _, out var reason));
        Assert.Equal(SrtpDropReason.AuthFailed, reason);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Replayed_rtp_and_rtcp_are_dropped(string name)
    {
        var (sender, receiver) = Pair(Profile(name));
        using var s = sender;
        using var r = receiver;
        var packet = Rtp(7, 0x22222222, 100);
        Assert.True(sender.TryProtectRtp(packet, 112, out var length));
        var copy = (byte[])packet.Clone();
        Assert.True(receiver.TryUnprotectRtp(packet, length, out _));
        Assert.False(receiver.TryUnprotectRtp(copy, length, out _, out var reason));
        Assert.Equal(SrtpDropReason.Replayed, reason);

        var rtcp = Rtcp(0x22222222);
        Assert.True(sender.TryProtectRtcp(rtcp, 32, out var rtcpLength));
        var rtcpCopy = (byte[])rtcp.Clone();
        Assert.True(receiver.TryUnprotectRtcp(rtcp, rtcpLength, out _));
        Assert.False(receiver.TryUnprotectRtcp(rtcpCopy, rtcpLength, out _, out reason));
        Assert.Equal(SrtpDropReason.Replayed, reason);
        Assert.Equal(2, receiver.Drops[SrtpDropReason.Replayed]);
    }

    [Fact]
    public void Forged_packet_does_not_mark_the_replay_window()
    {
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1Tag80);
        using var s = sender;
        using var r = receiver;
        var first = Rtp(1, 0x33333333, 50);
        Assert.True(sender.TryProtectRtp(first, 62, out var length));
        Assert.True(receiver.TryUnprotectRtp(first, length, out _));

        var genuine = Rtp(2, 0x33333333, 50);
        Assert.True(sender.TryProtectRtp(genuine, 62, out length));
        var forged = (byte[])genuine.Clone();
        forged[20] ^= 1;
        Assert.False(receiver.TryUnprotectRtp(forged, length, out _, out var reason));
        Assert.Equal(SrtpDropReason.AuthFailed, reason);
        Assert.True(receiver.TryUnprotectRtp(genuine, length, out _));
    }

    [Fact]
    public void Forged_rtp_for_an_ssrc_known_from_rtcp_does_not_seed_its_sequence_state()
    {
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1Tag80);
        using var s = sender;
        using var r = receiver;
        var rtcp = Rtcp(0x77777777);
        Assert.True(sender.TryProtectRtcp(rtcp, 32, out var rtcpLength));
        Assert.True(receiver.TryUnprotectRtcp(rtcp, rtcpLength, out _));
        Assert.Equal(1, receiver.StreamCount);

        // A forged packet with seq 40000 must not become s_l; otherwise seq 5 below would be guessed as ROC 1.
        var forged = Rtp(40000, 0x77777777, 50);
        forged[forged.Length - 40] ^= 0xFF;
        Assert.False(receiver.TryUnprotectRtp(forged, 62 + 10, out _, out var reason));
        Assert.Equal(SrtpDropReason.AuthFailed, reason);

        var genuine = Rtp(5, 0x77777777, 50);
        Assert.True(sender.TryProtectRtp(genuine, 62, out var length));
        Assert.True(receiver.TryUnprotectRtp(genuine, length, out _, out reason), reason.ToString());
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Roc_rolls_over_from_65535_to_0(string name)
    {
        var (sender, receiver) = Pair(Profile(name));
        using var s = sender;
        using var r = receiver;
        var sequence = (ushort)65530;
        for (var n = 0; n < 20; n++, sequence++)
        {
            var packet = Rtp(sequence, 0x44444444, 80);
            Assert.True(sender.TryProtectRtp(packet, 92, out var length));
            Assert.True(receiver.TryUnprotectRtp(packet, length, out _, out var reason), $"seq {sequence}: {reason}");
        }

        // A packet of ROC 0 arriving late, once the receiver is at ROC 1, is estimated as ROC 0 (RFC 3711
        // Appendix A) and found in the replay window; a retransmission from a fresh sender proves the guess.
        var (lateSender, _) = Pair(Profile(name));
        using var ls = lateSender;
        var late = Rtp(65533, 0x44444444, 80);
        Assert.True(lateSender.TryProtectRtp(late, 92, out var lateLength));
        Assert.False(receiver.TryUnprotectRtp(late, lateLength, out _, out var lateReason));
        Assert.Equal(SrtpDropReason.Replayed, lateReason);

        // ...and a never-seen late packet from ROC 0 inside the window authenticates.
        var (sender2, receiver2) = Pair(Profile(name));
        using var s2 = sender2;
        using var r2 = receiver2;
        var held = Rtp(65534, 0x44444444, 80);
        foreach (var seq in new ushort[] { 65533, 65534, 65535, 0, 1 })
        {
            var packet = seq == 65534 ? held : Rtp(seq, 0x44444444, 80);
            Assert.True(sender2.TryProtectRtp(packet, 92, out var length));
            if (seq != 65534)
            {
                Assert.True(receiver2.TryUnprotectRtp(packet, length, out _));
            }
        }

        Assert.True(receiver2.TryUnprotectRtp(held, 92 + Profile(name).RtpAuthTagLength, out _, out var heldReason), heldReason.ToString());
    }

    [Fact]
    public void Wrong_roc_guess_fails_auth_not_silently_decrypts()
    {
        // A receiver that joins mid-stream at ROC 0 cannot verify a sender at ROC 1: the ROC is in the MAC input.
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1Tag80);
        using var s = sender;
        using var r = receiver;
        for (var seq = 65535; seq <= 65536; seq++)
        {
            var packet = Rtp((ushort)seq, 0x55555555, 40);
            Assert.True(sender.TryProtectRtp(packet, 52, out _));
        }

        var next = Rtp(1, 0x55555555, 40);
        Assert.True(sender.TryProtectRtp(next, 52, out var length));
        Assert.False(receiver.TryUnprotectRtp(next, length, out _, out var reason));
        Assert.Equal(SrtpDropReason.AuthFailed, reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(12)]
    public void Too_short_is_counted(int length)
    {
        var (_, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1Tag80);
        using var r = receiver;
        var buffer = new byte[64];
        buffer[0] = 0x80;
        Assert.False(receiver.TryUnprotectRtp(buffer, length, out _, out var reason));
        Assert.Equal(SrtpDropReason.TooShort, reason);
        Assert.False(receiver.TryUnprotectRtcp(buffer, Math.Min(length, 8), out _, out reason));
        Assert.Equal(SrtpDropReason.TooShort, reason);
    }

    [Fact]
    public void Extension_running_past_the_end_is_malformed()
    {
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1Tag80);
        using var s = sender;
        using var r = receiver;
        var packet = Rtp(1, 1, 10, extension: true);
        packet[12 + 3] = 200; // 200 words of extension in a 30-byte packet
        Assert.False(sender.TryProtectRtp(packet, 30, out _, out var reason));
        Assert.Equal(SrtpDropReason.MalformedHeader, reason);
        Assert.False(receiver.TryUnprotectRtp(packet, 30, out _, out reason));
        Assert.Equal(SrtpDropReason.MalformedHeader, reason);
    }

    [Fact]
    public void No_room_for_the_tag_is_buffer_too_small()
    {
        var (sender, _) = Pair(SrtpProfile.AeadAes128Gcm);
        using var s = sender;
        var packet = Rtp(1, 1, 100, spare: 4);
        Assert.False(sender.TryProtectRtp(packet, 112, out _, out var reason));
        Assert.Equal(SrtpDropReason.BufferTooSmall, reason);
    }

    [Fact]
    public void Stream_cap_drops_new_ssrcs()
    {
        var options = new SrtpContextOptions { MaxStreams = 2 };
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1Tag80, options);
        using var s = sender;
        using var r = receiver;
        for (uint ssrc = 1; ssrc <= 2; ssrc++)
        {
            var packet = Rtp(1, ssrc, 10);
            Assert.True(sender.TryProtectRtp(packet, 22, out var length));
            Assert.True(receiver.TryUnprotectRtp(packet, length, out _));
        }

        Assert.False(sender.TryProtectRtp(Rtp(1, 3, 10), 22, out _, out var reason));
        Assert.Equal(SrtpDropReason.TooManyStreams, reason);
        Assert.Equal(2, receiver.StreamCount);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Random_bytes_never_throw_and_never_authenticate(string name)
    {
        var (_, receiver) = Pair(Profile(name));
        using var r = receiver;
        var random = new Random(42);
        var buffer = new byte[1500];
        for (var n = 0; n < 3000; n++)
        {
            random.NextBytes(buffer);
            buffer[0] = (byte)((buffer[0] & 0x3F) | (n % 4 == 0 ? 0 : 0x80));
            var length = random.Next(0, buffer.Length + 1);
            Assert.False(receiver.TryUnprotectRtp(buffer, length, out _));
            Assert.False(receiver.TryUnprotectRtcp(buffer, length, out _));
        }

        Assert.Equal(0, receiver.StreamCount);
        Assert.Equal(6000, receiver.Drops.Total);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Protect_and_unprotect_allocate_nothing_per_packet(string name)
    {
        var profile = Profile(name);
        var (sender, receiver) = Pair(profile);
        using var s = sender;
        using var r = receiver;
        var packet = Rtp(0, 0x66666666, 1200);
        var rtcp = Rtcp(0x66666666);

        void RoundTrip(ushort seq)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), seq);
            Assert.True(sender.TryProtectRtp(packet, 1212, out var length));
            Assert.True(receiver.TryUnprotectRtp(packet, length, out _));
            Assert.True(sender.TryProtectRtcp(rtcp, 32, out length));
            Assert.True(receiver.TryUnprotectRtcp(rtcp, length, out _));
        }

        for (ushort seq = 0; seq < 50; seq++)
        {
            RoundTrip(seq); // warm-up: per-SSRC state, JIT, crypto handles
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (ushort seq = 50; seq < 10_050; seq++)
        {
            RoundTrip(seq);
        }

        // Each round trip protects and unprotects one RTP and one RTCP packet.
        AllocationAssert.LessThanOneBytePerOperation(GC.GetAllocatedBytesForCurrentThread() - before, 4 * 10_000, "SRTP/SRTCP operations");
    }
}
