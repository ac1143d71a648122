using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using CallBot.Signaling.Xmpp;

namespace CallBot.Benchmarks.Xmpp;

/// <summary>Cost of cutting and parsing one ConnectyCube-sized call stanza (~2 KiB SDP inside extraParams).</summary>
[MemoryDiagnoser]
public class XmppFramingBenchmarks
{
    private readonly XmlStreamFramer _framer = new(256 * 1024);
    private byte[] _stanza = [];

    [GlobalSetup]
    public void Setup()
    {
        string sdp = string.Concat(Enumerable.Repeat("a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host&#13;&#10;", 30));
        _stanza = Encoding.UTF8.GetBytes(
            "<message to='2-7@localhost' type='headline' id='c1' xmlns='jabber:client'><extraParams xmlns='jabber:client'>" +
            "<moduleIdentifier>WebRTCVideoChat</moduleIdentifier><signalType>call</signalType><sessionID>1b2c</sessionID>" +
            "<callType>1</callType><sdp>" + sdp + "</sdp><platform>web</platform><callerID>1</callerID>" +
            "<opponentsIDs><opponentID>2</opponentID></opponentsIDs></extraParams></message>");
    }

    [Benchmark]
    public int FrameOnly()
    {
        _framer.Reset();
        // The framer needs a stream header before first-level elements.
        var header = new ReadOnlySequence<byte>("<stream:stream>"u8.ToArray());
        _framer.TryReadFrame(ref header, out _, out _, out _);
        var buffer = new ReadOnlySequence<byte>(_stanza);
        _framer.TryReadFrame(ref buffer, out _, out var frame, out _);
        return (int)frame.Length;
    }

    [Benchmark]
    public int FrameAndParse()
    {
        _framer.Reset();
        var header = new ReadOnlySequence<byte>("<stream:stream>"u8.ToArray());
        _framer.TryReadFrame(ref header, out _, out _, out _);
        var buffer = new ReadOnlySequence<byte>(_stanza);
        _framer.TryReadFrame(ref buffer, out _, out var frame, out _);
        return XmppElementParser.TryParse(frame, out var element, out _) ? element!.Elements().Count() : -1;
    }
}
