using System.Net;
using System.Text;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.Stun;

public class StunParseTests
{
    public static TheoryData<string, byte[], StunDropReason> BadMessages => new()
    {
        { "empty", [], StunDropReason.TooShort },
        { "19 bytes", new byte[19], StunDropReason.TooShort },
        {
            "RTP first byte",
            [
                0x80, 0x01, 0x00, 0x00, // V=2 ...
                0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ],
            StunDropReason.NotStun
        },
        {
            "RFC 3489 (no cookie)",
            [
                0x00, 0x01, 0x00, 0x00, // Binding request, length 0
                0xde, 0xad, 0xbe, 0xef, // not the magic cookie
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ],
            StunDropReason.BadMagicCookie
        },
        {
            "length not multiple of 4",
            [
                0x00, 0x01, 0x00, 0x03, // length 3
                0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0,
            ],
            StunDropReason.UnalignedLength
        },
        {
            "length beyond datagram",
            [
                0x00, 0x01, 0x00, 0x08, // length 8 but only 4 follow
                0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0x00, 0x06, 0x00, 0x00,
            ],
            StunDropReason.LengthMismatch
        },
        {
            "attribute value runs past end",
            [
                0x00, 0x01, 0x00, 0x08, // length 8
                0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0x00, 0x06, 0x00, 0x09, // USERNAME claims 9 bytes (12 padded)
                0x61, 0x62, 0x63, 0x64,
            ],
            StunDropReason.TruncatedAttribute
        },
        {
            "MESSAGE-INTEGRITY of 16 bytes",
            [
                0x00, 0x01, 0x00, 0x14, // length 20
                0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0x00, 0x08, 0x00, 0x10, // MESSAGE-INTEGRITY, length 16 (must be 20)
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ],
            StunDropReason.BadMessageIntegrityLength
        },
        {
            "FINGERPRINT wrong",
            [
                0x00, 0x01, 0x00, 0x08, // length 8
                0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0x80, 0x28, 0x00, 0x04, // FINGERPRINT
                0x00, 0x00, 0x00, 0x00, // not the CRC
            ],
            StunDropReason.BadFingerprint
        },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public void Bad_messages_are_dropped_with_a_reason(string name, byte[] datagram, StunDropReason expected)
    {
        Assert.False(StunMessage.TryParse(datagram, out _, out var reason), name);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Attribute_after_fingerprint_is_rejected()
    {
        var buffer = new byte[64];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        var resumed = StunWriter.Continue(buffer, length);
        resumed.AddPriority(1);
        Assert.True(resumed.TryComplete(out length));
        Assert.False(StunMessage.TryParse(buffer.AsSpan(0, length), out _, out var reason));
        Assert.Equal(StunDropReason.FingerprintNotLast, reason);
    }

    [Fact]
    public void Unknown_attributes_are_tolerated_and_odd_lengths_padded()
    {
        byte[] datagram =
        [
            0x00, 0x01, 0x00, 0x14, // Binding request, length 20
            0x21, 0x12, 0xa4, 0x42,
            0xe3, 0xa9, 0x46, 0xe1, 0x7c, 0x00, 0xc2, 0x62, 0x54, 0x08, 0x01, 0x00,
            0x00, 0xaa, 0x00, 0x07, // unknown comprehension-required attribute 0x00AA, length 7
            0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x00, // "abcdefg" + 1 padding
            0x00, 0x06, 0x00, 0x03, // USERNAME, length 3
            0x61, 0x62, 0x63, 0x00, // "abc" + 1 padding
        ];
        Assert.True(StunMessage.TryParse(datagram, out var msg, out _));
        Assert.True(msg.TryGetAttribute(0x00AA, out var unknown));
        Assert.Equal("abcdefg", Encoding.ASCII.GetString(unknown));
        Assert.True(msg.TryGetUsername(out var user));
        Assert.Equal("abc", Encoding.ASCII.GetString(user));
        var count = 0;
        foreach (var _ in msg.GetAttributes())
        {
            count++;
        }

        Assert.Equal(2, count);
    }

    [Fact]
    public void Error_response_401_decodes()
    {
        byte[] datagram =
        [
            0x01, 0x11, 0x00, 0x14, // Binding error response, length 20
            0x21, 0x12, 0xa4, 0x42,
            0x29, 0x1f, 0xcd, 0x7c, 0xba, 0x58, 0xab, 0xd7, 0xf2, 0x41, 0x01, 0x00,
            0x00, 0x09, 0x00, 0x10, // ERROR-CODE, length 16
            0x00, 0x00, 0x04, 0x01, // class 4, number 1 -> 401
            0x55, 0x6e, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x7a, 0x65, 0x64, // "Unauthorized"
        ];
        Assert.True(StunMessage.TryParse(datagram, out var msg, out _));
        Assert.Equal(StunClass.ErrorResponse, msg.Class);
        Assert.Equal(StunMethod.Binding, msg.Method);
        Assert.True(msg.TryGetErrorCode(out var code, out var reason));
        Assert.Equal(401, code);
        Assert.Equal("Unauthorized", Encoding.UTF8.GetString(reason));
    }

    [Fact]
    public void Attributes_after_message_integrity_are_ignored()
    {
        var key = "password"u8.ToArray();
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        writer.AddUsername("a:b");
        writer.AddMessageIntegrity(key);
        writer.AddUseCandidate(); // after MI: must not count
        Assert.True(writer.TryComplete(out var length));
        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, length), out var msg, out _));
        Assert.False(msg.HasUseCandidate());
        Assert.True(msg.VerifyMessageIntegrity(key));
    }

    [Fact]
    public void Ice_request_round_trips_through_writer_and_parser()
    {
        var key = StunIntegrity.ShortTermKey("abcdefghijklmnopqrstuv");
        var txId = Enumerable.Range(1, 12).Select(i => (byte)i).ToArray();
        var buffer = new byte[StunConstants.MaxMessageSize];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, txId);
        writer.AddUsername("remote:local");
        writer.AddPriority(1853817087);
        writer.AddIceControlling(0x0102030405060708UL);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        Assert.Equal(StunConstants.HeaderSize + 16 + 8 + 12 + 4 + 24 + 8, length);

        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, length), out var msg, out _));
        Assert.True(msg.HasFingerprint);
        Assert.True(msg.VerifyMessageIntegrity(key));
        Assert.True(msg.TryGetPriority(out var priority));
        Assert.Equal(1853817087u, priority);
        Assert.True(msg.TryGetIceControlling(out var tie));
        Assert.Equal(0x0102030405060708UL, tie);
        Assert.True(msg.HasUseCandidate());
        Assert.Equal(txId, msg.TransactionId.ToArray());
    }

    [Fact]
    public void Message_integrity_sha256_is_accepted_when_alone()
    {
        var key = "pwd-pwd-pwd-pwd-pwd-pwd"u8.ToArray();
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccess, new byte[12]);
        writer.AddXorMappedAddress(new IPEndPoint(IPAddress.IPv6Loopback, 5000));
        writer.AddMessageIntegritySha256(key);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, length), out var msg, out _));
        Assert.True(msg.HasMessageIntegritySha256);
        Assert.False(msg.HasMessageIntegrity);
        Assert.True(msg.VerifyMessageIntegrity(key));
        Assert.False(msg.VerifyMessageIntegrity("other"u8));
        Assert.True(msg.TryGetXorMappedAddress(out var ep));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 5000), ep);
    }

    [Fact]
    public void Writer_reports_overflow_instead_of_throwing()
    {
        var buffer = new byte[30];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        writer.AddUsername("a-rather-long-username:another-long-one");
        writer.AddFingerprint();
        Assert.False(writer.TryComplete(out _));
    }

    [Fact]
    public void Fingerprint_crc_matches_the_check_value()
    {
        // CRC-32/ISO-HDLC check value for "123456789".
        Assert.Equal(0xCBF43926u, StunCrc32.Compute("123456789"u8));
    }
}
