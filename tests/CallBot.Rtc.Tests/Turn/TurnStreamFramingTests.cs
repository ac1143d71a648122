using CallBot.Rtc.Turn;
using CsCheck;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>Splitting the TCP/TLS byte stream into STUN and ChannelData messages (RFC 8656 §12.5).</summary>
public sealed class TurnStreamFramingTests
{
    private static readonly byte[] StunHeaderLength8 =
    [
        0x01, 0x13, 0x00, 0x08,             // Allocate error response, length 8
        0x21, 0x12, 0xA4, 0x42,             // magic cookie
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, // transaction ID
    ];

    [Fact]
    public void Stun_frame_is_header_plus_length()
    {
        var wire = StunHeaderLength8.Concat(new byte[8]).ToArray();
        Assert.Equal(TurnStreamFraming.Result.Complete, TurnStreamFraming.TryGetFrameSize(wire, out var size));
        Assert.Equal(28, size);
        Assert.Equal(TurnStreamFraming.Result.NeedMore, TurnStreamFraming.TryGetFrameSize(wire.AsSpan(0, 27), out _));
        Assert.Equal(TurnStreamFraming.Result.NeedMore, TurnStreamFraming.TryGetFrameSize(wire.AsSpan(0, 19), out _));
    }

    [Fact]
    public void ChannelData_frame_is_padded_to_four()
    {
        byte[] wire = [0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]; // 5 bytes of data + 3 of padding
        Assert.Equal(TurnStreamFraming.Result.Complete, TurnStreamFraming.TryGetFrameSize(wire, out var size));
        Assert.Equal(12, size);
        Assert.Equal(TurnStreamFraming.Result.NeedMore, TurnStreamFraming.TryGetFrameSize(wire.AsSpan(0, 9), out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0, 0, 0 })] // first bits 10: RTP/DTLS ranges never appear on a TURN stream
    [InlineData(new byte[] { 0xC0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x00, 0x01, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })] // STUN type, wrong cookie
    public void Anything_else_loses_sync(byte[] wire) =>
        Assert.Equal(TurnStreamFraming.Result.Invalid, TurnStreamFraming.TryGetFrameSize(wire, out _));

    [Fact]
    public void Random_bytes_never_throw_and_never_claim_more_than_the_maximum() =>
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            if (TurnStreamFraming.TryGetFrameSize(bytes, out var size) == TurnStreamFraming.Result.Complete)
            {
                Assert.InRange(size, 4, Math.Min(bytes.Length, TurnStreamFraming.MaxFrameSize));
            }
        }, iter: 10_000, threads: 1);
}
