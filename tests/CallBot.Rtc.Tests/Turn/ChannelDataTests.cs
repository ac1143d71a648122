using CallBot.Rtc.Turn;
using CsCheck;

namespace CallBot.Rtc.Tests.Turn;

public sealed class ChannelDataTests
{
    [Fact]
    public void Decodes_ChannelData_header_and_payload()
    {
        byte[] wire =
        [
            0x40, 0x00, 0x00, 0x03, // channel 0x4000, length 3
            0xAA, 0xBB, 0xCC,       // application data
            0x00,                   // padding (TCP) — ignored by the length
        ];

        Assert.True(ChannelData.TryParse(wire, out var channel, out var payload, out var reason));
        Assert.Equal(0x4000, channel);
        Assert.Equal([0xAA, 0xBB, 0xCC], payload.ToArray());
        Assert.Equal(TurnDropReason.None, reason);
    }

    [Theory]
    [InlineData(new byte[] { 0x40, 0x00, 0x00 }, TurnDropReason.TooShort)]              // 3 bytes: no room for the header
    [InlineData(new byte[] { 0x3F, 0xFF, 0x00, 0x00 }, TurnDropReason.BadChannelNumber)] // 0x3FFF is below the channel range
    [InlineData(new byte[] { 0x80, 0x00, 0x00, 0x00 }, TurnDropReason.BadChannelNumber)] // 0x8000 is above it
    [InlineData(new byte[] { 0x40, 0x01, 0x00, 0x05, 1, 2, 3, 4 }, TurnDropReason.LengthMismatch)] // says 5, has 4
    public void Rejects_bad_ChannelData(byte[] wire, TurnDropReason expected)
    {
        Assert.False(ChannelData.TryParse(wire, out _, out _, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Accepts_the_old_RFC_5766_channel_range_on_receive()
    {
        byte[] wire = [0x7F, 0xFF, 0x00, 0x00]; // channel 0x7FFF, empty payload
        Assert.True(ChannelData.TryParse(wire, out var channel, out var payload, out _));
        Assert.Equal(0x7FFF, channel);
        Assert.True(payload.IsEmpty);
    }

    [Theory]
    [InlineData(0, false, 4)]
    [InlineData(1, false, 5)]
    [InlineData(1, true, 8)]
    [InlineData(4, true, 8)]
    [InlineData(5, true, 12)]
    public void Frame_size_pads_to_four_only_on_streams(int payload, bool padded, int expected) =>
        Assert.Equal(expected, ChannelData.GetFrameSize(payload, padded));

    [Fact]
    public void Header_is_written_in_place_before_the_payload()
    {
        var frame = new byte[] { 0, 0, 0, 0, 9, 8 };
        ChannelData.WriteHeader(frame, 0x4001, 2);
        Assert.Equal(new byte[] { 0x40, 0x01, 0x00, 0x02, 9, 8 }, frame);
    }

    [Fact]
    public void Random_bytes_never_throw() =>
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            if (ChannelData.TryParse(bytes, out var channel, out var payload, out _))
            {
                Assert.True(ChannelData.IsValidChannel(channel));
                Assert.True(payload.Length <= bytes.Length - ChannelData.HeaderSize);
            }
        }, iter: 10_000, threads: 1);
}
