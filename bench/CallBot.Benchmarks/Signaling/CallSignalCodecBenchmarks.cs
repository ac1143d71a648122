using System.Text;
using System.Xml.Linq;
using BenchmarkDotNet.Attributes;
using CallBot.Signaling.ConnectyCube;

namespace CallBot.Benchmarks.Signaling;

/// <summary>Encode and decode of a first <c>call</c> (≈5.4 KB offer SDP, nested userInfo) and of a one-candidate trickle.</summary>
[MemoryDiagnoser]
public class CallSignalCodecBenchmarks
{
    private CallSignal _call = null!;
    private CallSignal _candidate = null!;
    private XElement _receivedCall = null!;
    private XElement _receivedCandidate = null!;

    [GlobalSetup]
    public void Setup()
    {
        var sdp = new StringBuilder("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=setup:actpass\r\n");
        while (sdp.Length < 5400)
        {
            sdp.Append("a=rtcp-fb:96 goog-remb\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n");
        }
        _call = new CallSignal
        {
            Type = CallSignalType.Call,
            SessionId = "0f2b1c3d-aaaa-4bbb-8ccc-0123456789ab",
            CallType = CallType.Video,
            CallerId = 1001,
            OpponentIds = [1002, 1003],
            Sdp = sdp.ToString(),
            Platform = "node",
            UserInfo = UserInfo.Empty.WithMaxBandwidth(256).With(InfoNode.Branch("profile", InfoNode.Leaf("name", "bot"))),
        };
        _candidate = new CallSignal
        {
            Type = CallSignalType.IceCandidates,
            SessionId = _call.SessionId,
            CallType = CallType.Video,
            CallerId = 1001,
            OpponentIds = [1002],
            IceCandidates = [new("candidate:1 1 udp 2122260223 127.0.0.1 50001 typ host generation 0", "0", 0)],
            Platform = "node",
        };
        _receivedCall = Received(_call);
        _receivedCandidate = Received(_candidate);
    }

    private static XElement Received(CallSignal signal)
    {
        var stanza = CallSignalCodec.Encode(signal, "1002-7@chat.test", "0123456789abcdef01234567");
        stanza.SetAttributeValue("from", "1001-7@chat.test/web");
        return XElement.Parse(stanza.ToString(SaveOptions.DisableFormatting));
    }

    [Benchmark]
    public XElement EncodeCall() => CallSignalCodec.Encode(_call, "1002-7@chat.test", "0123456789abcdef01234567");

    [Benchmark]
    public CallSignalDecodeResult DecodeCall() => CallSignalCodec.TryDecode(_receivedCall);

    [Benchmark]
    public XElement EncodeCandidate() => CallSignalCodec.Encode(_candidate, "1002-7@chat.test", "0123456789abcdef01234567");

    [Benchmark]
    public CallSignalDecodeResult DecodeCandidate() => CallSignalCodec.TryDecode(_receivedCandidate);
}
