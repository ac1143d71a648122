using System.Net;
using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;

namespace CallBot.Benchmarks.Stun;

/// <summary>
/// STUN hot path of an ICE agent: parse a Chrome-sized binding request, verify MESSAGE-INTEGRITY,
/// and build the signed response. All three must report 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class StunParseBenchmarks
{
    private readonly byte[] _request = new byte[StunConstants.MaxMessageSize];
    private readonly byte[] _response = new byte[StunConstants.MaxMessageSize];
    private readonly byte[] _key = StunIntegrity.ShortTermKey("VOkJxbRl1RmTxUk/WvJxBt");
    private readonly byte[] _transactionId = [0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae];
    private readonly IPEndPoint _mapped = new(IPAddress.Parse("192.0.2.1"), 32853);
    private int _requestLength;

    [GlobalSetup]
    public void Setup()
    {
        var writer = new StunWriter(_request, StunMessageType.BindingRequest, _transactionId);
        writer.AddUsername("evtj:h6vY");
        writer.AddAttribute(0xC057, [0, 1, 0, 10]); // GOOG-NETWORK-INFO as Chrome sends it
        writer.AddPriority(1853824767);
        writer.AddIceControlling(0x932ff9b151263b36UL);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(_key);
        writer.AddFingerprint();
        writer.TryComplete(out _requestLength);
    }

    [Benchmark]
    public bool Parse() => StunMessage.TryParse(_request.AsSpan(0, _requestLength), out _, out _);

    [Benchmark]
    public bool ParseAndVerifyIntegrity() =>
        StunMessage.TryParse(_request.AsSpan(0, _requestLength), out var message, out _) && message.VerifyMessageIntegrity(_key);

    [Benchmark]
    public int BuildSignedResponse()
    {
        var writer = new StunWriter(_response, StunMessageType.BindingSuccess, _transactionId);
        writer.AddXorMappedAddress(_mapped);
        writer.AddMessageIntegrity(_key);
        writer.AddFingerprint();
        writer.TryComplete(out var length);
        return length;
    }
}
