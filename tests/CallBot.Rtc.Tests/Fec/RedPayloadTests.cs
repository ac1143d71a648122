using CallBot.Rtc.Fec;
using CsCheck;

namespace CallBot.Rtc.Tests.Fec;

public sealed class RedPayloadTests
{
    [Fact]
    public void A_primary_only_packet_round_trips()
    {
        byte[] media = [1, 2, 3, 4, 5];
        var buffer = new byte[16];
        Assert.True(RedPayload.TryWritePrimary(96, media, buffer, out var written));
        Assert.Equal(6, written);
        Assert.Equal(96, buffer[0]); // F=0, PT=96

        var blocks = new RedBlock[RedPayload.MaxBlocks];
        Assert.True(RedPayload.TryParse(buffer.AsSpan(0, written), blocks, out var count, out var reason));
        Assert.Equal(FecDropReason.None, reason);
        Assert.Equal(1, count);
        Assert.Equal(new RedBlock(96, 0, 1, 5), blocks[0]);
    }

    [Fact]
    public void A_redundant_block_comes_first_with_its_timestamp_offset()
    {
        byte[] earlier = [9, 9, 9];
        byte[] primary = [7, 7];
        var buffer = new byte[16];
        Assert.True(RedPayload.TryWrite(111, earlier, 960, primary, buffer, out var written));
        Assert.Equal(10, written);

        var blocks = new RedBlock[RedPayload.MaxBlocks];
        Assert.True(RedPayload.TryParse(buffer.AsSpan(0, written), blocks, out var count, out _));
        Assert.Equal(2, count);
        Assert.Equal(new RedBlock(111, 960, 5, 3), blocks[0]);
        Assert.Equal(new RedBlock(111, 0, 8, 2), blocks[1]);
        Assert.Equal(earlier, buffer.AsSpan(blocks[0].Offset, blocks[0].Length).ToArray());
        Assert.Equal(primary, buffer.AsSpan(blocks[1].Offset, blocks[1].Length).ToArray());

        // Fields that do not fit are refused, not truncated.
        Assert.False(RedPayload.TryWrite(111, new byte[RedPayload.MaxBlockLength + 1], 960, primary, new byte[2048], out _));
        Assert.False(RedPayload.TryWrite(111, earlier, RedPayload.MaxTimestampOffset + 1, primary, buffer, out _));
    }

    [Fact]
    public void Malformed_packets_are_rejected_with_their_reason()
    {
        var blocks = new RedBlock[RedPayload.MaxBlocks];
        Assert.False(RedPayload.TryParse([], blocks, out _, out var reason));
        Assert.Equal(FecDropReason.TooShort, reason);

        Assert.False(RedPayload.TryParse([0x80 | 96, 0, 0], blocks, out _, out reason)); // a redundant header cut short
        Assert.Equal(FecDropReason.TooShort, reason);

        Assert.False(RedPayload.TryParse([0x80 | 96, 0, 0, 4], blocks, out _, out reason)); // no primary header
        Assert.Equal(FecDropReason.TooShort, reason);

        Assert.False(RedPayload.TryParse([0x80 | 96, 0, 0, 4, 96, 1, 2], blocks, out _, out reason)); // 4 bytes claimed, 2 there
        Assert.Equal(FecDropReason.BlockOverrun, reason);

        var many = new byte[(RedPayload.MaxBlocks * 4) + 1];
        for (var i = 0; i < RedPayload.MaxBlocks; i++)
        {
            many[i * 4] = 0x80 | 96;
        }

        many[^1] = 96;
        Assert.False(RedPayload.TryParse(many, blocks, out _, out reason));
        Assert.Equal(FecDropReason.TooManyBlocks, reason);
        Assert.True(RedPayload.TryParse(many.AsSpan(4), blocks, out var count, out _)); // one fewer is accepted
        Assert.Equal(RedPayload.MaxBlocks, count);
    }

    [Fact]
    public void Random_bytes_never_throw_and_blocks_stay_inside_the_payload()
    {
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            var blocks = new RedBlock[RedPayload.MaxBlocks]; // per sample: Sample runs on several threads
            if (RedPayload.TryParse(bytes, blocks, out var count, out _))
            {
                Assert.InRange(count, 1, RedPayload.MaxBlocks);
                for (var i = 0; i < count; i++)
                {
                    Assert.InRange(blocks[i].Offset + blocks[i].Length, 0, bytes.Length);
                }
            }
        }, iter: 20_000);
    }
}
