using System.Buffers.Binary;
using CallBot.Rtc.Fec;
using CallBot.Rtc.Rtp;
using CallBot.TestSupport;
using CsCheck;

namespace CallBot.Rtc.Tests.Fec;

public sealed class UlpfecTests
{
    private const uint Ssrc = 0x1234_5678;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(12)]
    [InlineData(17)]
    [InlineData(48)]
    public void Any_single_loss_in_a_group_is_rebuilt_byte_for_byte(int groupSize)
    {
        var random = new Random(groupSize);
        const ushort First = 65_530; // the group crosses the sequence number wrap
        var packets = Enumerable.Range(0, groupSize).Select(i => MediaPacket(random, (ushort)(First + i))).ToArray();
        var fec = Protect(packets);

        for (var lost = 0; lost < groupSize; lost++)
        {
            var decoder = new UlpfecDecoder();
            for (var i = 0; i < groupSize; i++)
            {
                if (i != lost)
                {
                    decoder.AddMedia(packets[i]);
                }
            }

            if (groupSize == 1)
            {
                // Nothing received yet: a decoder places a FEC packet against received media only.
                decoder.AddMedia(MediaPacket(random, (ushort)(First - 1)));
            }

            Assert.True(decoder.AddFec(fec));
            var buffer = new byte[UlpfecPacket.MaxMediaPacketSize];
            Assert.True(decoder.TryRecover(buffer, out var written), $"group of {groupSize}, lost {lost}");
            Assert.Equal(packets[lost], buffer[..written]);
            Assert.False(decoder.TryRecover(buffer, out _));
            Assert.Equal(1, decoder.Recovered);
        }
    }

    [Fact]
    public void Two_losses_in_one_group_are_not_rebuilt_until_another_group_gives_one_back()
    {
        var random = new Random(7);
        var packets = Enumerable.Range(0, 6).Select(i => MediaPacket(random, (ushort)(100 + i))).ToArray();
        var groupA = Protect(packets[..4]);          // 100..103
        var groupB = Protect(packets[3..]);          // 103..105 (overlaps A in 103)
        var decoder = new UlpfecDecoder();
        foreach (var i in new[] { 0, 1, 4 })
        {
            decoder.AddMedia(packets[i]);            // 102, 103 and 105 lost
        }

        var buffer = new byte[UlpfecPacket.MaxMediaPacketSize];
        Assert.True(decoder.AddFec(groupA));
        Assert.False(decoder.TryRecover(buffer, out _)); // A misses 102 and 103
        Assert.True(decoder.AddFec(groupB));
        Assert.False(decoder.TryRecover(buffer, out _)); // B misses 103 and 105
        decoder.AddMedia(packets[5]);                     // 105 arrives late: B now misses only 103
        Assert.True(decoder.TryRecover(buffer, out var written));
        Assert.Equal(packets[3], buffer[..written]);
        Assert.True(decoder.TryRecover(buffer, out written)); // and then A misses only 102
        Assert.Equal(packets[2], buffer[..written]);
        Assert.Equal(2, decoder.Recovered);
    }

    [Fact]
    public void A_group_with_gaps_in_its_sequence_numbers_uses_the_mask()
    {
        var random = new Random(3);
        var packets = new[] { 10, 12, 30, 57 }.Select(s => MediaPacket(random, (ushort)s)).ToArray();
        var encoder = new UlpfecEncoder();
        foreach (var p in packets)
        {
            Assert.True(encoder.Add(p));
        }

        Assert.False(encoder.Add(MediaPacket(random, 58)));  // 48 after the base: the next group's
        Assert.False(encoder.Add(MediaPacket(random, 9)));   // before the base
        var fec = new byte[UlpfecPacket.MaxSize];
        Assert.True(encoder.TryClose(fec, out var length));
        Assert.True(UlpfecPacket.TryParse(fec.AsSpan(0, length), out var header, out _));
        Assert.Equal(10, header.SequenceBase);
        Assert.Equal(UlpfecPacket.HeaderSize + UlpfecPacket.LongLevelHeaderSize + packets.Max(p => p.Length - 12), length);
        Assert.True(header.Protects(0) && header.Protects(2) && header.Protects(20) && header.Protects(47));
        Assert.False(header.Protects(1) || header.Protects(46) || header.Protects(48));

        var decoder = new UlpfecDecoder();
        decoder.AddMedia(packets[0]);
        decoder.AddMedia(packets[1]);
        decoder.AddMedia(packets[3]);
        decoder.AddMedia(MediaPacket(random, 11));  // not protected: its presence changes nothing
        Assert.True(decoder.AddFec(fec.AsSpan(0, length)));
        var buffer = new byte[UlpfecPacket.MaxMediaPacketSize];
        Assert.True(decoder.TryRecover(buffer, out var written));
        Assert.Equal(packets[2], buffer[..written]);
    }

    [Fact]
    public void A_complete_or_too_old_group_is_dropped_without_recovering()
    {
        var random = new Random(5);
        var packets = Enumerable.Range(0, 3).Select(i => MediaPacket(random, (ushort)(1000 + i))).ToArray();
        var fec = Protect(packets);
        var decoder = new UlpfecDecoder();
        foreach (var p in packets)
        {
            decoder.AddMedia(p);
        }

        Assert.True(decoder.AddFec(fec));
        var buffer = new byte[UlpfecPacket.MaxMediaPacketSize];
        Assert.False(decoder.TryRecover(buffer, out _));

        // A FEC packet for a group the window has moved past: rejected and counted.
        decoder.AddMedia(MediaPacket(random, 1000 + UlpfecDecoder.Window + 5));
        Assert.False(decoder.AddFec(fec));
        Assert.Equal(1, decoder.Rejected(FecDropReason.OutOfWindow));
        Assert.Equal(0, decoder.Recovered);
    }

    [Fact]
    public void Malformed_fec_is_rejected_with_its_reason()
    {
        var random = new Random(11);
        var packets = Enumerable.Range(0, 3).Select(i => MediaPacket(random, (ushort)(i + 1))).ToArray();
        var fec = Protect(packets);
        var decoder = new UlpfecDecoder();
        decoder.AddMedia(packets[0]);

        Assert.False(decoder.AddFec(fec.AsSpan(0, 13)));
        Assert.Equal(1, decoder.Rejected(FecDropReason.TooShort));

        var extension = (byte[])fec.Clone();
        extension[0] |= 0x80;
        Assert.False(decoder.AddFec(extension));
        var emptyMask = (byte[])fec.Clone();
        emptyMask[12] = emptyMask[13] = 0;
        Assert.False(decoder.AddFec(emptyMask));
        Assert.Equal(2, decoder.Rejected(FecDropReason.BadHeader));

        var overrun = (byte[])fec.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(overrun.AsSpan(10), (ushort)(fec.Length)); // longer than what follows
        Assert.False(decoder.AddFec(overrun));
        Assert.False(decoder.AddFec(new byte[UlpfecPacket.MaxSize + 1]));
        Assert.Equal(2, decoder.Rejected(FecDropReason.BadProtectionLength));

        var farAway = (byte[])fec.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(farAway.AsSpan(2), 30_000);
        Assert.False(decoder.AddFec(farAway));
        Assert.Equal(1, decoder.Rejected(FecDropReason.OutOfWindow));
        Assert.Equal(0, decoder.FecReceived);
    }

    [Fact]
    public void A_length_recovery_beyond_the_protection_length_rebuilds_nothing()
    {
        var random = new Random(13);
        var packets = Enumerable.Range(0, 3).Select(i => MediaPacket(random, (ushort)(i + 1))).ToArray();
        var fec = Protect(packets);
        BinaryPrimitives.WriteUInt16BigEndian(fec.AsSpan(8), 0xFFFF); // a lying length recovery
        var decoder = new UlpfecDecoder();
        decoder.AddMedia(packets[0]);
        decoder.AddMedia(packets[1]);
        Assert.True(decoder.AddFec(fec));
        Assert.False(decoder.TryRecover(new byte[UlpfecPacket.MaxMediaPacketSize], out _));
        Assert.Equal(1, decoder.Rejected(FecDropReason.BadProtectionLength));
        Assert.Equal(0, decoder.Recovered);
    }

    [Fact]
    public void Random_and_mutated_fec_never_throws_and_recovers_only_parseable_rtp()
    {
        var random = new Random(17);
        var packets = Enumerable.Range(0, 5).Select(i => MediaPacket(random, (ushort)(i + 500))).ToArray();
        var valid = Protect(packets);
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, valid.Length], Gen.Byte.Array[0, 64]).Sample((index, value, cut, noise) =>
        {
            var buffer = new byte[UlpfecPacket.MaxMediaPacketSize]; // per sample: Sample runs on several threads
            var decoder = new UlpfecDecoder();
            for (var i = 1; i < packets.Length; i++)
            {
                decoder.AddMedia(packets[i]);
            }

            var copy = (byte[])valid.Clone();
            copy[index] = value;
            decoder.AddFec(copy.AsSpan(0, cut));
            decoder.AddFec(noise);
            while (decoder.TryRecover(buffer, out var written))
            {
                Assert.True(RtpHeader.TryParse(buffer.AsSpan(0, written), out _, out _, out _));
                Assert.InRange(written, RtpHeader.FixedSize, UlpfecPacket.MaxMediaPacketSize);
            }
        }, iter: 5_000);
    }

    [Fact]
    public void Encoding_and_recovering_allocate_nothing_per_packet()
    {
        var random = new Random(19);
        var packets = Enumerable.Range(0, 4000).Select(i => MediaPacket(random, (ushort)i)).ToArray();
        var encoder = new UlpfecEncoder();
        var decoder = new UlpfecDecoder();
        var fec = new byte[UlpfecPacket.MaxSize];
        var buffer = new byte[UlpfecPacket.MaxMediaPacketSize];
        var recovered = 0;

        void Run(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                encoder.Add(packets[i]);
                if (i % 5 != 2)
                {
                    decoder.AddMedia(packets[i]); // one loss in every group of 5
                }

                if (encoder.Count == 5 && encoder.TryClose(fec, out var length))
                {
                    decoder.AddFec(fec.AsSpan(0, length));
                    while (decoder.TryRecover(buffer, out _))
                    {
                        recovered++;
                    }
                }
            }
        }

        Run(0, 1000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(1000, packets.Length);
        AllocationAssert.LessThanOneBytePerOperation(GC.GetAllocatedBytesForCurrentThread() - before, packets.Length - 1000, "FEC packets");
        Assert.Equal(packets.Length / 5, recovered);
    }

    [Theory]
    [InlineData(0.0, false, 0)]
    [InlineData(0.0, true, FecProtection.CleanKeyFrameGroupSize)]
    [InlineData(0.05, false, 8)]
    [InlineData(0.10, false, 4)]
    [InlineData(0.10, true, 2)]
    [InlineData(0.20, false, 2)]
    [InlineData(0.20, true, 1)]
    [InlineData(0.006, false, 0)]
    [InlineData(double.NaN, false, 0)]
    public void Protection_grows_with_loss_and_is_stronger_for_key_frames(double loss, bool keyFrame, int expected)
        => Assert.Equal(expected, FecProtection.GroupSize(loss, keyFrame));

    [Theory]
    [InlineData(0, 500, double.PositiveInfinity)]    // target unknown: FEC is sized by the loss alone
    [InlineData(3000, 0, double.PositiveInfinity)]   // media rate not measured yet
    [InlineData(3000, 1000, 2.0)]
    [InlineData(1100, 1000, 0.1)]
    [InlineData(500, 750, 0.0)]                      // over the target already (the bottleneck case): no FEC
    public void Fec_may_add_what_the_target_leaves_above_the_media_rate(int targetKbps, int mediaKbps, double expected)
        => Assert.Equal(expected, FecProtection.Headroom(targetKbps, mediaKbps), 6);

    private static byte[] Protect(IEnumerable<byte[]> packets)
    {
        var encoder = new UlpfecEncoder();
        foreach (var p in packets)
        {
            Assert.True(encoder.Add(p));
        }

        var fec = new byte[UlpfecPacket.MaxSize];
        Assert.True(encoder.TryClose(fec, out var length));
        Assert.Equal(0, encoder.Count);
        return fec[..length];
    }

    /// <summary>A media packet with varied marker, CSRCs, extension, padding and length (every field the parity carries).</summary>
    private static byte[] MediaPacket(Random random, ushort sequence)
    {
        var header = new RtpHeader
        {
            PayloadType = 96,
            SequenceNumber = sequence,
            Timestamp = (uint)random.Next(),
            Ssrc = Ssrc,
            Marker = random.Next(2) == 0,
            Csrcs = random.Next(4) == 0 ? new uint[] { 7 } : ReadOnlyMemory<uint>.Empty,
            Extensions = random.Next(2) == 0 ? new RtpHeaderExtensionSet { TransportSequenceId = 3, TransportSequenceNumber = sequence } : default,
        };
        var padding = random.Next(3) == 0 ? random.Next(1, 9) : 0;
        header.Padding = padding > 0;
        var payload = random.Next(1, 1100);
        var packet = new byte[header.GetSize() + payload + padding];
        Assert.True(header.TryWrite(packet, out var h));
        random.NextBytes(packet.AsSpan(h, payload));
        if (padding > 0)
        {
            packet[^1] = (byte)padding;
        }

        Assert.True(RtpHeader.TryParse(packet, out _, out _, out _));
        return packet;
    }
}
