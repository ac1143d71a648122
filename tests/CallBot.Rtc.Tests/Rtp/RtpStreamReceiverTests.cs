using CallBot.Abstractions;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;
using CallBot.TestSupport;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Rtp;

public sealed class RtpStreamReceiverTests
{
    private sealed class Probe : IRtpPayloadConsumer
    {
        public List<long> Sequences { get; } = [];
        public List<byte[]> Payloads { get; } = [];

        public void OnRtpPayload(long sequence, in RtpHeader header, ReadOnlySpan<byte> payload)
        {
            Sequences.Add(sequence);
            Payloads.Add(payload.ToArray());
        }
    }

    private readonly FakeTimeProvider _time = new();
    private readonly Probe _probe = new();

    private RtpStreamReceiver CreateReceiver(int capacity = 64, int waitMs = 100) =>
        new(7, new RtpStreamReceiverOptions { ReorderCapacity = capacity, MaxGapWait = TimeSpan.FromMilliseconds(waitMs) }, _probe, _time);

    private static byte[] Packet(ushort seq, uint timestamp = 0, byte payload = 0xAB, bool marker = false)
    {
        var header = new RtpHeader { Ssrc = 7, PayloadType = 96, SequenceNumber = seq, Timestamp = timestamp, Marker = marker };
        var buffer = new byte[RtpHeader.FixedSize + 1];
        header.TryWrite(buffer, out _);
        buffer[^1] = payload;
        return buffer;
    }

    [Fact]
    public void Reordered_packets_come_out_in_order()
    {
        var receiver = CreateReceiver();
        foreach (var seq in new ushort[] { 10, 12, 11, 13 })
        {
            Assert.True(receiver.Receive(Packet(seq), out _));
        }

        Assert.Equal([10L, 11, 12, 13], _probe.Sequences);
        Assert.Equal(0, receiver.CumulativeLost);
    }

    [Fact]
    public void A_gap_holds_later_packets_until_the_wait_expires()
    {
        var receiver = CreateReceiver();
        receiver.Receive(Packet(1), out _);
        receiver.Receive(Packet(3), out _);
        receiver.Receive(Packet(4), out _);
        Assert.Equal([1L], _probe.Sequences);

        Span<ushort> missing = stackalloc ushort[8];
        Assert.Equal(1, receiver.GetMissing(missing));
        Assert.Equal(2, missing[0]);

        _time.Advance(TimeSpan.FromMilliseconds(99));
        receiver.Poll();
        Assert.Equal([1L], _probe.Sequences);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        receiver.Poll();
        Assert.Equal([1L, 3, 4], _probe.Sequences);
        Assert.Equal(1, receiver.GapsAccepted);
        Assert.Equal(1, receiver.PacketsGivenUp);

        Assert.False(receiver.Receive(Packet(2), out var reason));
        Assert.Equal(RtpDropReason.TooOld, reason);
    }

    [Fact]
    public void Rtx_fills_a_gap_before_the_wait_expires()
    {
        var receiver = CreateReceiver();
        receiver.Receive(Packet(1), out _);
        receiver.Receive(Packet(3), out _);

        var rtxHeader = new RtpHeader { Ssrc = 99, PayloadType = 97, SequenceNumber = 5000 };
        var rtx = new byte[64];
        Assert.True(RtxPacket.TryBuild(Packet(2, payload: 0x22), rtxHeader, rtx, out var length));
        Assert.True(receiver.ReceiveRtx(rtx.AsSpan(0, length), 96, out _));

        Assert.Equal([1L, 2, 3], _probe.Sequences);
        Assert.Equal(0x22, _probe.Payloads[1][0]);
        Assert.Equal(1, receiver.Recovered);
        Assert.Equal(0, receiver.CumulativeLost);
    }

    [Fact]
    public void A_gap_repaired_by_rtx_stays_lost_in_the_report_block()
    {
        // The sender sizes its FEC and its loss-based estimate from the report: a repair must not hide the network's loss.
        var receiver = CreateReceiver();
        receiver.Receive(Packet(1), out _);
        receiver.Receive(Packet(3), out _);
        var rtx = new byte[64];
        Assert.True(RtxPacket.TryBuild(Packet(2), new RtpHeader { Ssrc = 99, PayloadType = 97, SequenceNumber = 5000 }, rtx, out var length));
        Assert.True(receiver.ReceiveRtx(rtx.AsSpan(0, length), 96, out _));
        receiver.Receive(Packet(4), out _);

        Assert.Equal([1L, 2, 3, 4], _probe.Sequences);
        Assert.Equal(0, receiver.CumulativeLost); // the stream's own count: nothing is missing
        var block = receiver.CreateReportBlock();
        Assert.Equal(1, block.CumulativeLost);
        Assert.Equal((byte)(256 / 4), block.FractionLost);
    }

    [Fact]
    public void In_order_packets_go_straight_through_without_slot_buffers()
    {
        var receiver = CreateReceiver(capacity: 512);
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(receiver.Receive(Packet((ushort)(60000 + i), payload: (byte)i), out _));
        }

        Assert.Equal(2000, _probe.Sequences.Count);
        Assert.Equal(unchecked((byte)1999), _probe.Payloads[^1][0]);
        Assert.Equal(0, receiver.BuffersOwned);
    }

    [Fact]
    public void Slot_buffers_are_reused_after_each_gap()
    {
        // A gap of one packet every 10, recovered by the late packet: at most 9 packets wait at once, ever.
        var receiver = CreateReceiver(capacity: 512, waitMs: 1000);
        receiver.Receive(Packet(0, payload: 0), out _);
        for (var block = 0; block < 100; block++)
        {
            var first = (ushort)(1 + (block * 10));
            for (var k = 1; k < 10; k++)
            {
                receiver.Receive(Packet((ushort)(first + k), payload: (byte)k), out _);
            }

            receiver.Receive(Packet(first, payload: 0), out _);
        }

        Assert.Equal(Enumerable.Range(0, 1001).Select(i => (long)i), _probe.Sequences);
        Assert.Equal(Enumerable.Range(0, 1001).Select(i => (byte)(i == 0 ? 0 : (i - 1) % 10)), _probe.Payloads.Select(p => p[0]));
        Assert.Equal(9, receiver.BuffersOwned);
    }

    [Fact]
    public void Duplicates_are_dropped()
    {
        var receiver = CreateReceiver();
        receiver.Receive(Packet(1), out _);
        receiver.Receive(Packet(3), out _);
        Assert.False(receiver.Receive(Packet(3), out var held));
        Assert.Equal(RtpDropReason.Duplicate, held);
        Assert.False(receiver.Receive(Packet(1), out var released));
        Assert.Equal(RtpDropReason.TooOld, released);
        Assert.Equal(1, receiver.Duplicates);
    }

    [Fact]
    public void Sequence_wrap_is_seamless()
    {
        var receiver = CreateReceiver();
        foreach (var seq in new ushort[] { 65534, 0, 65535, 1 })
        {
            receiver.Receive(Packet(seq), out _);
        }

        Assert.Equal([65534L, 65535, 65536, 65537], _probe.Sequences);
        Assert.Equal(65537u, receiver.ExtendedHighestSequence);
    }

    [Fact]
    public void Overflowing_the_reorder_window_gives_up_the_oldest_gap()
    {
        var receiver = CreateReceiver(capacity: 8, waitMs: 10_000);
        receiver.Receive(Packet(0), out _);
        for (ushort s = 2; s <= 8; s++)
        {
            receiver.Receive(Packet(s), out _);
        }

        Assert.Equal([0L], _probe.Sequences);
        receiver.Receive(Packet(9), out _); // 9 − 1 > 7 slots: packet 1 is given up
        Assert.Equal([0L, 2, 3, 4, 5, 6, 7, 8, 9], _probe.Sequences);
        Assert.Equal(1, receiver.PacketsGivenUp);
    }

    [Fact]
    public void Report_block_has_rfc_3550_loss_and_lsr_dlsr()
    {
        var receiver = CreateReceiver(waitMs: 0);
        for (ushort s = 1; s <= 10; s++)
        {
            if (s is not (5 or 6))
            {
                receiver.Receive(Packet(s), out _);
            }
        }

        receiver.OnSenderReport(new SenderReport { NtpTimestamp = 0x0000_1234_5678_0000 });
        _time.Advance(TimeSpan.FromSeconds(0.5));
        var block = receiver.CreateReportBlock();
        Assert.Equal(7u, block.Ssrc);
        Assert.Equal(2, block.CumulativeLost);
        Assert.Equal((byte)(2 * 256 / 10), block.FractionLost);
        Assert.Equal(10u, block.HighestSequence);
        Assert.Equal(0x12345678u, block.LastSenderReport);
        Assert.Equal(0x8000u, block.DelaySinceLastSenderReport);

        receiver.Receive(Packet(11), out _);
        Assert.Equal(0, receiver.CreateReportBlock().FractionLost); // new interval: nothing lost
    }

    [Fact]
    public void Jitter_follows_rfc_3550_a8()
    {
        var receiver = CreateReceiver();
        // 90 kHz, one packet every 10 ms (900 units) arriving on time: no jitter.
        for (ushort s = 0; s < 5; s++)
        {
            receiver.Receive(Packet(s, (uint)(s * 900)), out _);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(0u, receiver.Jitter);
        _time.Advance(TimeSpan.FromMilliseconds(16)); // 16 ms late: D = 1440 units, J = 1440 / 16
        receiver.Receive(Packet(5, 5 * 900), out _);
        Assert.Equal(90u, receiver.Jitter);
    }

    [Fact]
    public void Random_packets_never_throw()
    {
        var receiver = CreateReceiver(waitMs: 0);
        Gen.Byte.Array[0, 40].Sample(bytes => { receiver.Receive(bytes, out _); }, iter: 10_000, threads: 1);
        Gen.Byte.Array[0, 40].Sample(bytes => { receiver.ReceiveRtx(bytes, 96, out _); }, iter: 10_000, threads: 1);
        Gen.UShort.Sample(seq => { receiver.Receive(Packet(seq), out _); }, iter: 10_000, threads: 1);
        Assert.True(receiver.PacketsReceived > 0);
    }

    [Fact]
    public void Sender_to_receiver_with_loss_recovers_every_vp8_frame_through_nack_and_rtx()
    {
        // Sender → lossy link (every 7th packet lost, except in the last frame, whose loss nothing after it would reveal) → receiver → FrameAssembler; NACKs go back, RTX comes through.
        var time = new FakeTimeProvider();
        var frames = new List<byte[]>();
        var sink = new CollectingFrames(frames);
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink);
        var receiver = new RtpStreamReceiver(1, new RtpStreamReceiverOptions { MaxGapWait = TimeSpan.FromMilliseconds(200) }, assembler, time);
        var wire = new Queue<byte[]>();
        var sender = new RtpStreamSender(
            new RtpStreamSenderOptions { Ssrc = 1, PayloadType = 96, RtxSsrc = 2, RtxPayloadType = 97, MaxPacketSize = 300 },
            new Vp8Payloader(),
            p => wire.Enqueue(p.ToArray()),
            time);

        var sent = 0;
        var lost = 0;
        Span<ushort> missing = stackalloc ushort[64];
        for (var f = 0; f < 30; f++)
        {
            var frame = new byte[f % 10 == 0 ? 2000 : 700];
            Random.Shared.NextBytes(frame);
            frame[0] = (byte)(f % 10 == 0 ? 0x10 : 0x11); // VP8 P bit: keyframe every 10
            sender.SendFrame(frame, f * 3000L);
            while (wire.TryDequeue(out var packet))
            {
                Assert.True(RtpHeader.TryParse(packet, out var h, out _, out _));
                if (h.Ssrc == 2)
                {
                    receiver.ReceiveRtx(packet, 96, out _);
                }
                else if (++sent % 7 == 0 && f < 29)
                {
                    lost++;
                }
                else
                {
                    receiver.Receive(packet, out _);
                }
            }

            var n = receiver.GetMissing(missing);
            if (n > 0)
            {
                sender.OnNack(GenericNack.FromSequenceNumbers(9, 1, missing[..n]));
                while (wire.TryDequeue(out var rtx))
                {
                    receiver.ReceiveRtx(rtx, 96, out _);
                }
            }

            time.Advance(TimeSpan.FromMilliseconds(33));
            receiver.Poll();
        }

        Assert.True(lost >= 5);
        Assert.Equal(lost, receiver.Recovered);
        Assert.Equal(0, receiver.PacketsGivenUp);
        Assert.Equal(0, assembler.FramesDropped);
        Assert.Equal(30, frames.Count);
    }

    [Fact]
    public void Receiving_and_assembling_does_not_allocate()
    {
        var packets = new List<byte[]>();
        var sender = new RtpStreamSender(
            new RtpStreamSenderOptions { Ssrc = 1, PayloadType = 96, TransportSequenceId = 3, HistorySize = 0 },
            new Vp8Payloader(),
            p => packets.Add(p.ToArray()),
            _time);
        var frame = new byte[5000];
        const int Frames = 2000;
        for (var f = 0; f < Frames; f++)
        {
            frame[0] = (byte)(f == 0 ? 0x10 : 0x11);
            sender.SendFrame(frame, f * 3000L);
        }

        var frames = 0;
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), new CountingSink(() => frames++));
        var receiver = new RtpStreamReceiver(1, new RtpStreamReceiverOptions(), assembler, _time);
        var half = packets.Count / 2;
        for (var i = 0; i < half; i++)
        {
            receiver.Receive(packets[i], out _);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = half; i < packets.Count; i++)
        {
            receiver.Receive(packets[i], out _);
        }

        receiver.Poll();
        AllocationAssert.LessThanOneBytePerOperation(GC.GetAllocatedBytesForCurrentThread() - before, packets.Count - half, "received packets");
        Assert.Equal(Frames, frames);
    }

    private sealed class CountingSink(Action onFrame) : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame) => onFrame();
    }

    private sealed class CollectingFrames(List<byte[]> frames) : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame) => frames.Add(frame.Data.ToArray());
    }
}
