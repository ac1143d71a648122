using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Transport;

public class DatagramClassifierTests
{
    [Theory]
    [InlineData(0, DatagramKind.Stun)]
    [InlineData(3, DatagramKind.Stun)]
    [InlineData(4, DatagramKind.Unknown)]
    [InlineData(15, DatagramKind.Unknown)]
    [InlineData(16, DatagramKind.Zrtp)]
    [InlineData(19, DatagramKind.Zrtp)]
    [InlineData(20, DatagramKind.Dtls)]
    [InlineData(22, DatagramKind.Dtls)] // handshake record
    [InlineData(63, DatagramKind.Dtls)]
    [InlineData(64, DatagramKind.TurnChannel)]
    [InlineData(79, DatagramKind.TurnChannel)]
    [InlineData(80, DatagramKind.Unknown)]
    [InlineData(127, DatagramKind.Unknown)]
    [InlineData(128, DatagramKind.RtpOrRtcp)]
    [InlineData(191, DatagramKind.RtpOrRtcp)]
    [InlineData(192, DatagramKind.Unknown)]
    [InlineData(255, DatagramKind.Unknown)]
    public void First_byte_ranges_follow_rfc7983(int firstByte, DatagramKind expected) =>
        Assert.Equal(expected, DatagramClassifier.Classify([(byte)firstByte, 0, 0, 0]));

    [Fact]
    public void Empty_datagram_is_unknown() => Assert.Equal(DatagramKind.Unknown, DatagramClassifier.Classify([]));
}
