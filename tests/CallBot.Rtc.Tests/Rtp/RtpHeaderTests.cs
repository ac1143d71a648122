using System.Text;
using CallBot.Rtc.Rtp;
using CsCheck;

namespace CallBot.Rtc.Tests.Rtp;

public sealed class RtpHeaderTests
{
    private static readonly byte[] Basic =
    [
        0x80, 0xE0, 0x12, 0x34, // V=2 P=0 X=0 CC=0 | M=1 PT=96 | seq=0x1234
        0x00, 0x00, 0x03, 0xE8, // timestamp=1000
        0xDE, 0xAD, 0xBE, 0xEF, // SSRC
        0x01, 0x02, 0x03,       // payload
    ];

    [Fact]
    public void Parses_fixed_header()
    {
        Assert.True(RtpHeader.TryParse(Basic, out var h, out var length, out var reason));
        Assert.Equal(RtpDropReason.None, reason);
        Assert.Equal(12, length);
        Assert.True(h.Marker);
        Assert.Equal(96, h.PayloadType);
        Assert.Equal(0x1234, h.SequenceNumber);
        Assert.Equal(1000u, h.Timestamp);
        Assert.Equal(0xDEADBEEFu, h.Ssrc);
        Assert.False(h.HasExtension);
        Assert.Equal(0, h.PaddingLength);
    }

    [Fact]
    public void Parses_csrcs_one_byte_extensions_and_padding()
    {
        byte[] packet =
        [
            0xB2, 0x6F, 0x00, 0x01, // V=2 P=1 X=1 CC=2 | M=0 PT=111 | seq=1
            0x00, 0x00, 0x00, 0x02, // timestamp=2
            0x00, 0x00, 0x00, 0x03, // SSRC=3
            0x00, 0x00, 0x00, 0x0A, // CSRC 10
            0x00, 0x00, 0x00, 0x0B, // CSRC 11
            0xBE, 0xDE, 0x00, 0x02, // one-byte profile, 2 words
            0x32, 0xAA, 0xBB, 0xCC, // id=3 len=3: abs-send-time 0xAABBCC
            0x00, 0x51, 0x01, 0x02, // padding byte, id=5 len=2: twcc seq 0x0102
            0x99,                   // payload
            0x00, 0x00, 0x03,       // 3 padding bytes, count in the last
        ];

        Assert.True(RtpHeader.TryParse(packet, out var h, out var length, out _));
        Assert.Equal(2, h.CsrcCount);
        Assert.Equal(10u, h.GetCsrc(packet, 0));
        Assert.Equal(11u, h.GetCsrc(packet, 1));
        Assert.Equal(32, length);
        Assert.Equal(3, h.PaddingLength);
        Assert.True(h.TryGetExtension(packet, 3, out var abs));
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, abs.ToArray());
        Assert.True(h.TryGetExtension(packet, 5, out var twcc));
        Assert.Equal(new byte[] { 0x01, 0x02 }, twcc.ToArray());
        Assert.False(h.TryGetExtension(packet, 4, out _));
        Assert.Equal(new byte[] { 0x99 }, packet[length..^h.PaddingLength]);
    }

    [Fact]
    public void Parses_two_byte_extension()
    {
        byte[] packet =
        [
            0x90, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 1, // X=1
            0x10, 0x00, 0x00, 0x02, // two-byte profile 0x1000, 2 words
            0x14, 0x03, 0x61, 0x62, // id=20 len=3 "abc"
            0x63, 0x00, 0x00, 0x00, // ...'c', padding
        ];
        Assert.True(RtpHeader.TryParse(packet, out var h, out _, out _));
        Assert.True(h.TryGetExtension(packet, 20, out var mid));
        Assert.Equal("abc", Encoding.ASCII.GetString(mid));
    }

    public static TheoryData<string, byte[], RtpDropReason> Invalid => new()
    {
        { "11 bytes", [0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0], RtpDropReason.TooShort },
        { "version 1", [0x40, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], RtpDropReason.BadVersion },
        { "CC=1 without CSRC", [0x81, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], RtpDropReason.TooShort },
        { "X=1 without extension header", [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE], RtpDropReason.ExtensionOverrun },
        { "extension length 1 word, none present", [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1], RtpDropReason.ExtensionOverrun },
        { "one-byte element overruns block", [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0x13, 0, 0, 0], RtpDropReason.MalformedExtension },
        { "padding count 0", [0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x00], RtpDropReason.BadPadding },
        { "padding larger than payload", [0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x05], RtpDropReason.BadPadding },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_bad_packets_with_a_reason(string name, byte[] packet, RtpDropReason expected)
    {
        Assert.False(RtpHeader.TryParse(packet, out _, out _, out var reason), name);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(3, 5, 1)]
    [InlineData(14, 14, 14)]
    [InlineData(15, 5, 1)] // id 15 forces the two-byte form
    public void Writes_extensions_that_read_back(byte absId, byte twccId, byte midId)
    {
        var mid = "video0"u8.ToArray();
        var header = new RtpHeader
        {
            Marker = true,
            PayloadType = 96,
            SequenceNumber = 65535,
            Timestamp = 0xFFFFFFFF,
            Ssrc = 42,
            Csrcs = new uint[] { 7, 8 },
            Extensions = new RtpHeaderExtensionSet
            {
                AbsSendTimeId = absId == twccId || absId == midId ? (byte)0 : absId,
                AbsSendTime = 0x123456,
                TransportSequenceId = twccId,
                TransportSequenceNumber = 0xBEEF,
                MidId = midId == twccId ? (byte)0 : midId,
                Mid = mid,
            },
        };
        var buffer = new byte[header.GetSize() + 1];
        Assert.True(header.TryWrite(buffer, out var written));
        Assert.Equal(header.GetSize(), written);
        Assert.Equal(0, written % 4);

        Assert.True(RtpHeader.TryParse(buffer, out var parsed, out var length, out _));
        Assert.Equal(written, length);
        Assert.Equal(header.Marker, parsed.Marker);
        Assert.Equal(header.SequenceNumber, parsed.SequenceNumber);
        Assert.Equal(header.Timestamp, parsed.Timestamp);
        Assert.Equal(2, parsed.CsrcCount);
        Assert.Equal(8u, parsed.GetCsrc(buffer, 1));
        var ext = header.Extensions;
        if (ext.TransportSequenceId != 0)
        {
            Assert.True(parsed.TryGetExtension(buffer, ext.TransportSequenceId, out var seq));
            Assert.Equal(new byte[] { 0xBE, 0xEF }, seq.ToArray());
        }

        if (ext.AbsSendTimeId != 0)
        {
            Assert.True(parsed.TryGetExtension(buffer, ext.AbsSendTimeId, out var abs));
            Assert.Equal(new byte[] { 0x12, 0x34, 0x56 }, abs.ToArray());
        }

        if (ext.MidId != 0)
        {
            Assert.True(parsed.TryGetExtension(buffer, ext.MidId, out var m));
            Assert.Equal(mid, m.ToArray());
        }

        Assert.Equal(ext.IsEmpty, !parsed.HasExtension);
    }

    [Fact]
    public void Write_fails_on_a_short_buffer()
    {
        var header = new RtpHeader { PayloadType = 96 };
        Assert.False(header.TryWrite(new byte[11], out var written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void Abs_send_time_is_6_18_fixed_point()
    {
        Assert.Equal(0x040000u, AbsSendTime.FromElapsed(TimeSpan.FromSeconds(1)));
        Assert.Equal(0x020000u, AbsSendTime.FromElapsed(TimeSpan.FromSeconds(64.5)));
        Assert.Equal(TimeSpan.FromSeconds(1.5), AbsSendTime.ToElapsed(0x060000));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        Gen.Byte.Array[0, 80].Sample(bytes =>
        {
            if (RtpHeader.TryParse(bytes, out var h, out var length, out _))
            {
                Assert.InRange(length + h.PaddingLength, 12, bytes.Length);
                for (var id = 0; id < 256; id++)
                {
                    h.TryGetExtension(bytes, id, out _);
                }
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Mutated_valid_packets_never_throw()
    {
        var header = new RtpHeader
        {
            PayloadType = 96,
            Csrcs = new uint[] { 1 },
            Extensions = new RtpHeaderExtensionSet { AbsSendTimeId = 2, TransportSequenceId = 3, MidId = 4, Mid = "0"u8.ToArray() },
        };
        var valid = new byte[header.GetSize() + 10];
        header.TryWrite(valid, out _);
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, valid.Length]).Sample((index, value, cut) =>
        {
            var copy = (byte[])valid.Clone();
            copy[index] = value;
            var span = copy.AsSpan(0, cut);
            if (RtpHeader.TryParse(span, out var h, out _, out _))
            {
                for (var id = 0; id < 16; id++)
                {
                    h.TryGetExtension(span, id, out _);
                }
            }
        }, iter: 20_000);
    }
}
