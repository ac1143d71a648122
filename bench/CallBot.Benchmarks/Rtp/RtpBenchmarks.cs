using BenchmarkDotNet.Attributes;
using CallBot.Abstractions;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtp;

namespace CallBot.Benchmarks.Rtp;

/// <summary>Per-packet RTP header work and per-frame VP8 packetize / depacketize+assemble. All must be 0 B/op.</summary>
[MemoryDiagnoser]
public class RtpBenchmarks
{
    private readonly byte[] _packet = new byte[1200];
    private readonly byte[] _frame = new byte[12_000];
    private readonly List<(byte[] Bytes, int Length)> _vp8Packets = [];
    private RtpHeader _header;
    private RtpStreamSender _sender = null!;
    private Vp8Payloader _payloader = null!;
    private FrameAssembler _assembler = null!;
    private long _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _header = new RtpHeader
        {
            Marker = true,
            PayloadType = 96,
            SequenceNumber = 1,
            Timestamp = 90_000,
            Ssrc = 0x1234,
            Extensions = new RtpHeaderExtensionSet { AbsSendTimeId = 2, AbsSendTime = 0x1234, TransportSequenceId = 3, TransportSequenceNumber = 7, MidId = 4, Mid = "0"u8.ToArray() },
        };
        _header.TryWrite(_packet, out _);
        Random.Shared.NextBytes(_frame);
        _frame[0] = 0x10; // keyframe tag
        _payloader = new Vp8Payloader();
        _sender = new RtpStreamSender(new RtpStreamSenderOptions { Ssrc = 1, PayloadType = 96, TransportSequenceId = 3 }, _payloader, static _ => { }, TimeProvider.System);
        new Vp8Payloader().Payload(1100, _frame, static (list, prefix, body, last) =>
        {
            var bytes = new byte[prefix.Length + body.Length];
            prefix.CopyTo(bytes);
            body.CopyTo(bytes.AsSpan(prefix.Length));
            list.Add((bytes, last ? 1 : 0));
        }, _vp8Packets);
        _assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), new NullSink());
    }

    [GlobalCleanup]
    public void Cleanup() => _assembler.Dispose();

    [Benchmark]
    public int ParseHeader()
    {
        if (!RtpHeader.TryParse(_packet, out var h, out var length, out _))
        {
            return -1;
        }

        return h.TryGetExtension(_packet, 3, out var twcc) ? length + twcc.Length : length;
    }

    [Benchmark]
    public int WriteHeader()
    {
        _header.TryWrite(_packet, out var written);
        return written;
    }

    [Benchmark]
    public int Vp8PacketizeAndSendFrame() => _sender.SendFrame(_frame, 0);

    [Benchmark]
    public long Vp8DepacketizeAndAssembleFrame()
    {
        var timestamp = (uint)_sequence * 3000;
        for (var i = 0; i < _vp8Packets.Count; i++)
        {
            var (bytes, last) = _vp8Packets[i];
            _assembler.Push(++_sequence, timestamp, last == 1, bytes);
        }

        return _assembler.FramesAssembled;
    }

    private sealed class NullSink : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame)
        {
        }
    }
}
