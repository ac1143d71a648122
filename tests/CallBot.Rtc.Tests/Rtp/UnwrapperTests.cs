using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Tests.Rtp;

public sealed class UnwrapperTests
{
    [Fact]
    public void Sequence_numbers_unwrap_across_the_16_bit_boundary()
    {
        var u = new SequenceUnwrapper();
        Assert.Equal(65534, u.Unwrap(65534));
        Assert.Equal(65535, u.Unwrap(65535));
        Assert.Equal(65536, u.Unwrap(0));
        Assert.Equal(65535, u.Unwrap(65535)); // late packet from before the wrap
        Assert.Equal(65537, u.Unwrap(1));
        Assert.Equal(65537, u.Last);
    }

    [Fact]
    public void Sequence_numbers_can_go_below_the_first_one()
    {
        var u = new SequenceUnwrapper();
        Assert.Equal(0, u.Unwrap(0));
        Assert.Equal(-1, u.Unwrap(65535));
        Assert.Equal(0, u.Last);
    }

    [Fact]
    public void Sequence_numbers_keep_counting_over_many_wraps()
    {
        var u = new SequenceUnwrapper();
        long expected = 100;
        ushort seq = 100;
        u.Unwrap(seq);
        for (var i = 0; i < 300_000; i++)
        {
            seq += 1000;
            expected += 1000;
            Assert.Equal(expected, u.Unwrap(seq));
        }
    }

    [Fact]
    public void Timestamps_unwrap_across_the_32_bit_boundary()
    {
        var u = new TimestampUnwrapper();
        Assert.Equal(0xFFFFFF00L, u.Unwrap(0xFFFFFF00));
        Assert.Equal(0x100000100L, u.Unwrap(0x100));
        Assert.Equal(0xFFFFFFF0L, u.Unwrap(0xFFFFFFF0));
        Assert.Equal(0x100000100L, u.Last);
    }
}
