using System.Net;
using System.Text;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.Stun;

public class Rfc5769Tests
{
    private static readonly byte[] Key = StunIntegrity.ShortTermKey(Rfc5769Vectors.ShortTermPassword);

    [Fact]
    public void Sample_request_parses_with_valid_integrity_and_fingerprint()
    {
        Assert.True(StunMessage.TryParse(Rfc5769Vectors.Request, out var msg, out var reason), reason.ToString());
        Assert.Equal(StunClass.Request, msg.Class);
        Assert.Equal(StunMethod.Binding, msg.Method);
        Assert.Equal(Rfc5769Vectors.TransactionId, msg.TransactionId.ToArray());
        Assert.True(msg.HasFingerprint);
        Assert.True(msg.VerifyMessageIntegrity(Key));
        Assert.True(msg.TryGetUsername(out var user));
        Assert.Equal(Rfc5769Vectors.Username, Encoding.UTF8.GetString(user));
        Assert.True(msg.TryGetPriority(out var priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(msg.TryGetIceControlled(out var tieBreaker));
        Assert.Equal(0x932ff9b151263b36UL, tieBreaker);
        Assert.False(msg.TryGetIceControlling(out _));
        Assert.False(msg.HasUseCandidate());
    }

    [Fact]
    public void Sample_request_with_wrong_password_fails_integrity()
    {
        Assert.True(StunMessage.TryParse(Rfc5769Vectors.Request, out var msg, out _));
        Assert.False(msg.VerifyMessageIntegrity(StunIntegrity.ShortTermKey("VOkJxbRl1RmTxUk/WvJxBT")));
    }

    [Fact]
    public void Sample_ipv4_response_decodes_mapped_address()
    {
        Assert.True(StunMessage.TryParse(Rfc5769Vectors.ResponseIPv4, out var msg, out var reason), reason.ToString());
        Assert.Equal(StunClass.SuccessResponse, msg.Class);
        Assert.True(msg.VerifyMessageIntegrity(Key));
        Assert.True(msg.TryGetXorMappedAddress(out var ep));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), ep);
    }

    [Fact]
    public void Sample_ipv6_response_decodes_mapped_address()
    {
        Assert.True(StunMessage.TryParse(Rfc5769Vectors.ResponseIPv6, out var msg, out var reason), reason.ToString());
        Assert.True(msg.VerifyMessageIntegrity(Key));
        Assert.True(msg.TryGetXorMappedAddress(out var ep));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), ep);
    }

    [Fact]
    public void Sample_long_term_request_verifies_with_md5_key()
    {
        Assert.True(StunMessage.TryParse(Rfc5769Vectors.RequestLongTerm, out var msg, out var reason), reason.ToString());
        Assert.False(msg.HasFingerprint);
        Assert.True(msg.TryGetUsername(out var user));
        var username = Encoding.UTF8.GetString(user);
        Assert.Equal("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", username);
        Assert.True(msg.TryGetAttribute(StunAttributeType.Realm, out var realm));
        Assert.Equal("example.org", Encoding.UTF8.GetString(realm));
        Assert.True(msg.TryGetAttribute(StunAttributeType.Nonce, out var nonce));
        Assert.Equal("f//499k954d6OL34oL9FSTvy64sA", Encoding.UTF8.GetString(nonce));

        // "The<U+00AD>M<U+00AA>tr<U+2168>" after SASLprep/OpaqueString is "TheMatrIX".
        var key = StunIntegrity.LongTermKey(username, "example.org", "TheMatrIX");
        Assert.True(msg.VerifyMessageIntegrity(key));
        Assert.False(msg.VerifyMessageIntegrity(StunIntegrity.LongTermKey(username, "example.org", "TheMatrix")));
    }

    [Fact]
    public void Writer_reproduces_sample_ipv4_response_byte_for_byte()
    {
        // The RFC pads SOFTWARE with 0x20 where we pad with zeros, so copy its SOFTWARE value padded as on the wire.
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccess, Rfc5769Vectors.TransactionId);
        writer.AddAttribute(StunAttributeType.Software, "test vector "u8); // 12 bytes: 11 + the RFC's 0x20 pad
        writer.AddXorMappedAddress(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853));
        Assert.True(writer.TryComplete(out var length));
        buffer[23] = 0x0b; // declare 11 bytes as the RFC does; the 12th is its 0x20 padding
        var signer = StunWriter.Continue(buffer, length);
        signer.AddMessageIntegrity(Key);
        signer.AddFingerprint();
        Assert.True(signer.TryComplete(out var total));
        Assert.Equal(Rfc5769Vectors.ResponseIPv4, buffer.AsSpan(0, total).ToArray());
    }

    [Fact]
    public void Writer_signs_sample_request_byte_for_byte()
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, Rfc5769Vectors.TransactionId);
        writer.AddAttribute(StunAttributeType.Software, "STUN test client"u8);
        writer.AddPriority(0x6e0001ff);
        writer.AddIceControlled(0x932ff9b151263b36UL);
        writer.AddUsername(Rfc5769Vectors.Username);
        var userStart = writer.Length - 16;
        Assert.True(writer.TryComplete(out var beforeIntegrity));

        // Put the RFC's 0x20 padding in so the HMAC and CRC must come out identical to the vector.
        buffer.AsSpan(userStart + 4 + 9, 3).Fill(0x20);
        var signer = StunWriter.Continue(buffer, beforeIntegrity);
        signer.AddMessageIntegrity(Key);
        signer.AddFingerprint();
        Assert.True(signer.TryComplete(out var total));
        Assert.Equal(Rfc5769Vectors.Request, buffer.AsSpan(0, total).ToArray());
    }
}
