using CallBot.Rtc.Stun;
using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.Stun;

/// <summary>Numbers checked against the IANA STUN registries (Methods, Attributes, Error Codes).</summary>
public class StunIanaTests
{
    [Theory]
    [InlineData(StunAttributeType.MappedAddress, 0x0001)]
    [InlineData(StunAttributeType.Username, 0x0006)]
    [InlineData(StunAttributeType.MessageIntegrity, 0x0008)]
    [InlineData(StunAttributeType.ErrorCode, 0x0009)]
    [InlineData(StunAttributeType.UnknownAttributes, 0x000A)]
    [InlineData(StunAttributeType.Realm, 0x0014)]
    [InlineData(StunAttributeType.Nonce, 0x0015)]
    [InlineData(StunAttributeType.MessageIntegritySha256, 0x001C)]
    [InlineData(StunAttributeType.PasswordAlgorithm, 0x001D)]
    [InlineData(StunAttributeType.Userhash, 0x001E)]
    [InlineData(StunAttributeType.XorMappedAddress, 0x0020)]
    [InlineData(IceAttributeType.Priority, 0x0024)]
    [InlineData(IceAttributeType.UseCandidate, 0x0025)]
    [InlineData(StunAttributeType.PasswordAlgorithms, 0x8002)]
    [InlineData(StunAttributeType.AlternateDomain, 0x8003)]
    [InlineData(StunAttributeType.Software, 0x8022)]
    [InlineData(StunAttributeType.AlternateServer, 0x8023)]
    [InlineData(StunAttributeType.Fingerprint, 0x8028)]
    [InlineData(IceAttributeType.IceControlled, 0x8029)]
    [InlineData(IceAttributeType.IceControlling, 0x802A)]
    public void Attribute_numbers_match_registry(ushort actual, int expected) => Assert.Equal(expected, actual);

    [Theory]
    [InlineData(StunMethod.Binding, StunClass.Request, 0x0001)]
    [InlineData(StunMethod.Binding, StunClass.Indication, 0x0011)]
    [InlineData(StunMethod.Binding, StunClass.SuccessResponse, 0x0101)]
    [InlineData(StunMethod.Binding, StunClass.ErrorResponse, 0x0111)]
    [InlineData(StunMethod.Allocate, StunClass.Request, 0x0003)]
    [InlineData(StunMethod.Allocate, StunClass.SuccessResponse, 0x0103)]
    [InlineData(StunMethod.Refresh, StunClass.Request, 0x0004)]
    [InlineData(StunMethod.Send, StunClass.Indication, 0x0016)]
    [InlineData(StunMethod.Data, StunClass.Indication, 0x0017)]
    [InlineData(StunMethod.CreatePermission, StunClass.Request, 0x0008)]
    [InlineData(StunMethod.ChannelBind, StunClass.Request, 0x0009)]
    public void Message_types_encode_and_decode(StunMethod method, StunClass cls, int wire)
    {
        Assert.Equal(wire, StunMessageType.Encode(method, cls));
        Assert.Equal(method, StunMessageType.GetMethod((ushort)wire));
        Assert.Equal(cls, StunMessageType.GetClass((ushort)wire));
    }

    [Fact]
    public void Header_constants()
    {
        Assert.Equal(0x2112A442u, StunConstants.MagicCookie);
        Assert.Equal(0x5354554Eu, StunConstants.FingerprintXor);
        Assert.Equal(StunMessageType.BindingRequest, StunMessageType.Encode(StunMethod.Binding, StunClass.Request));
        Assert.Equal(StunMessageType.BindingSuccess, StunMessageType.Encode(StunMethod.Binding, StunClass.SuccessResponse));
        Assert.Equal(StunMessageType.BindingError, StunMessageType.Encode(StunMethod.Binding, StunClass.ErrorResponse));
    }
}
