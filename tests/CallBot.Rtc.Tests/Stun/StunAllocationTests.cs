using System.Net;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.Stun;

/// <summary>
/// The STUN hot path allocates nothing per message (measured on this thread, so other tests cannot disturb it). The bound
/// is below one byte per message: a one-time allocation while the JIT swaps in tier-1 code mid-loop (seen once, 6.5 KB
/// in total) is not a per-message cost.
/// </summary>
public class StunAllocationTests
{
    [Fact]
    public void Parse_verify_and_build_allocate_nothing()
    {
        var key = StunIntegrity.ShortTermKey(Rfc5769Vectors.ShortTermPassword);
        var response = new byte[StunConstants.MaxMessageSize];
        var mapped = new IPEndPoint(IPAddress.Parse("2001:db8::5"), 40000);
        var ok = RunOnce(key, response, mapped); // warm up (JIT, crypto provider init)
        Assert.True(ok);

        const int Messages = 20_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Messages; i++)
        {
            ok &= RunOnce(key, response, mapped);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(ok);
        Assert.True(allocated < Messages, $"{allocated} bytes for {Messages} messages");
    }

    private static bool RunOnce(byte[] key, byte[] response, IPEndPoint mapped)
    {
        if (!StunMessage.TryParse(Rfc5769Vectors.Request, out var request, out _) || !request.VerifyMessageIntegrity(key))
        {
            return false;
        }

        request.TryGetUsername(out _);
        request.TryGetPriority(out _);
        request.TryGetIceControlled(out _);
        var writer = new StunWriter(response, StunMessageType.BindingSuccess, request.TransactionId);
        writer.AddXorMappedAddress(mapped);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        return writer.TryComplete(out _);
    }
}
