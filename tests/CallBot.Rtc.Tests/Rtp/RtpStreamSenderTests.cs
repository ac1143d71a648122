using CallBot.Abstractions;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;
using CallBot.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Rtp;

public sealed class RtpStreamSenderTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<byte[]> _sent = [];

    private RtpStreamSender CreateSender(Action<RtpStreamSenderOptions>? configure = null, IPayloader? payloader = null)
    {
        var options = new RtpStreamSenderOptions
        {
            Ssrc = 0x11223344,
            PayloadType = 96,
            InitialSequenceNumber = 65534,
            InitialTimestamp = 1000,
            AbsSendTimeId = 2,
            TransportSequenceId = 3,
            MidId = 4,
            Mid = "0",
            HistorySize = 16,
        };
        configure?.Invoke(options);
        return new RtpStreamSender(options, payloader ?? new Vp8Payloader(), p => _sent.Add(p.ToArray()), _time);
    }

    private static RtpHeader Parse(byte[] packet, out int headerLength)
    {
        Assert.True(RtpHeader.TryParse(packet, out var h, out headerLength, out _));
        return h;
    }

    [Fact]
    public void Frame_becomes_packets_with_header_fields_and_extensions()
    {
        var sender = CreateSender();
        _time.Advance(TimeSpan.FromSeconds(1.5));
        var frame = new byte[3000];
        Random.Shared.NextBytes(frame);
        var count = sender.SendFrame(frame, 3000);

        Assert.Equal(3, count);
        Assert.Equal(3, _sent.Count);
        for (var i = 0; i < _sent.Count; i++)
        {
            var packet = _sent[i];
            Assert.InRange(packet.Length, 100, RtpStreamSenderOptions.DefaultMaxPacketSize);
            var h = Parse(packet, out _);
            Assert.Equal(0x11223344u, h.Ssrc);
            Assert.Equal(96, h.PayloadType);
            Assert.Equal((ushort)(65534 + i), h.SequenceNumber); // wraps 65534, 65535, 0
            Assert.Equal(4000u, h.Timestamp);
            Assert.Equal(i == 2, h.Marker);
            Assert.True(h.TryGetExtension(packet, 2, out var abs));
            Assert.Equal(new byte[] { 0x06, 0x00, 0x00 }, abs.ToArray()); // 1.5 s in 6.18
            Assert.True(h.TryGetExtension(packet, 3, out var twcc));
            Assert.Equal(i + 1, (twcc[0] << 8) | twcc[1]);
            Assert.True(h.TryGetExtension(packet, 4, out var mid));
            Assert.Equal("0"u8.ToArray(), mid.ToArray());
        }

        Assert.Equal(3000, sender.PayloadOctetsSent - (3 * 4)); // 4-byte VP8 descriptor per packet
    }

    [Fact]
    public void History_holds_rate_times_retention_buffers_not_capacity()
    {
        // 100 packets/s for 30 s with a 1 s retention and room for 1024: about 100 buffers, reused, never 1024.
        var history = new RtpPacketHistory(1024, 1216, _time, TimeSpan.FromSeconds(1));
        ushort sequence = 65000;
        for (var i = 0; i < 3000; i++, sequence++)
        {
            var buffer = history.Rent(sequence);
            buffer[0] = (byte)i;
            history.Commit(sequence, 100);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.InRange(history.BuffersOwned, 95, 110);
        Assert.True(history.TryGet((ushort)(sequence - 50), out var recent));
        Assert.Equal(unchecked((byte)(3000 - 50)), recent[0]);
        Assert.False(history.TryGet((ushort)(sequence - 150), out _)); // older than the retention
    }

    [Fact]
    public void History_capacity_still_bounds_a_burst_within_the_retention()
    {
        var history = new RtpPacketHistory(16, 100, _time, TimeSpan.FromSeconds(10));
        for (ushort sequence = 0; sequence < 40; sequence++)
        {
            history.Rent(sequence)[0] = (byte)sequence;
            history.Commit(sequence, 10);
        }

        Assert.Equal(16, history.BuffersOwned);
        Assert.False(history.TryGet(23, out _));
        Assert.True(history.TryGet(24, out var kept));
        Assert.Equal(24, kept[0]);
    }

    [Fact]
    public void History_survives_a_sequence_restart()
    {
        var history = new RtpPacketHistory(16, 100, _time, TimeSpan.FromSeconds(10));
        history.Rent(1000);
        history.Commit(1000, 10);
        history.Rent(10); // behind the oldest kept: a new numbering
        history.Commit(10, 10);

        Assert.False(history.TryGet(1000, out _));
        Assert.True(history.TryGet(10, out _));
        Assert.Equal(1, history.BuffersOwned); // packet 1000's buffer now holds packet 10
    }

    [Fact]
    public void Retransmits_the_same_bytes_without_rtx()
    {
        var sender = CreateSender();
        sender.SendFrame(new byte[2500], 0);
        var original = _sent[1];
        Assert.True(sender.Retransmit(65535));
        Assert.Equal(original, _sent[^1]);
        Assert.False(sender.Retransmit(100));
        Assert.Equal(1, sender.RetransmissionMisses);
    }

    [Fact]
    public void Retransmits_as_rtx_with_the_original_sequence_number_first()
    {
        var sender = CreateSender(o =>
        {
            o.RtxSsrc = 0x55667788;
            o.RtxPayloadType = 97;
        });
        sender.SendFrame(new byte[2500], 0);
        var original = _sent[1];
        var originalHeader = Parse(original, out var originalLength);
        Assert.True(sender.Retransmit(originalHeader.SequenceNumber));

        var rtx = _sent[^1];
        var h = Parse(rtx, out var rtxLength);
        Assert.Equal(0x55667788u, h.Ssrc);
        Assert.Equal(97, h.PayloadType);
        Assert.Equal(originalHeader.Timestamp, h.Timestamp);
        Assert.Equal(originalHeader.Marker, h.Marker);
        Assert.True(RtxPacket.TryUnwrap(rtx.AsSpan(rtxLength), out var osn, out var payload));
        Assert.Equal(originalHeader.SequenceNumber, osn);
        Assert.Equal(original.AsSpan(originalLength).ToArray(), payload.ToArray());
        Assert.InRange(rtx.Length, 0, RtpStreamSenderOptions.DefaultMaxPacketSize);
    }

    [Fact]
    public void History_forgets_packets_older_than_its_capacity()
    {
        var sender = CreateSender(payloader: new OpusPayloader());
        for (var i = 0; i < 20; i++)
        {
            sender.SendFrame(new byte[10], i * 960);
        }

        // 20 packets from 65534: the 16 newest (seq 2..17) remain.
        Assert.False(sender.Retransmit(1));
        Assert.True(sender.Retransmit(2));
        Assert.True(sender.Retransmit(17));
    }

    [Fact]
    public void Nack_retransmits_every_named_packet_that_is_still_held()
    {
        var sender = CreateSender(payloader: new OpusPayloader());
        for (var i = 0; i < 10; i++)
        {
            sender.SendFrame(new byte[10], i * 960);
        }

        var before = _sent.Count;
        var nack = GenericNack.FromSequenceNumbers(1, sender.Ssrc, [65535, 1, 3, 500]);
        Assert.Equal(3, sender.OnNack(nack));
        Assert.Equal(before + 3, _sent.Count);
    }

    [Fact]
    public void Sender_report_counts_and_extrapolates_the_rtp_timestamp()
    {
        var sender = CreateSender(payloader: new OpusPayloader());
        sender.SendFrame(new byte[100], 960);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        var sr = sender.CreateSenderReport(48_000);
        Assert.Equal(1u, sr.PacketCount);
        Assert.Equal(100u, sr.OctetCount);
        Assert.Equal(1000u + 960 + 24_000, sr.RtpTimestamp);
        Assert.Equal(NtpTime.Now(_time), sr.NtpTimestamp);
    }

    [Fact]
    public void Sender_report_maps_from_the_frame_sent_closest_to_its_due_time_not_the_last_late_one()
    {
        var sender = CreateSender(payloader: new OpusPayloader());
        sender.SendFrame(new byte[100], 0); // on time
        _time.Advance(TimeSpan.FromMilliseconds(20));
        sender.SendFrame(new byte[100], 960); // on time
        _time.Advance(TimeSpan.FromMilliseconds(60));
        sender.SendFrame(new byte[100], 1920); // due 20 ms after the previous one, sent 60 ms after: 40 ms late
        _time.Advance(TimeSpan.FromMilliseconds(20));
        var sr = sender.CreateSenderReport(48_000);

        // Now is 100 ms after the first frame: media time 100 ms = 4800 ticks, not 1920 + 20 ms = 2880.
        Assert.Equal(1000u + 4800, sr.RtpTimestamp);
    }

    [Fact]
    public void Sending_a_frame_does_not_allocate()
    {
        var sender = new RtpStreamSender(
            new RtpStreamSenderOptions { Ssrc = 1, PayloadType = 96, AbsSendTimeId = 2, TransportSequenceId = 3, MidId = 4, Mid = "0" },
            new Vp8Payloader(),
            static _ => { },
            _time); // time stands still, so the history stays capacity-bound once filled
        var frame = new byte[10_000];
        for (var i = 0; i < 200; i++)
        {
            sender.SendFrame(frame, 0); // fills the history: its buffers are taken once, then reused
        }

        sender.Retransmit(sender.NextSequenceNumber);
        const int Frames = 1000;
        var firstSequence = sender.NextSequenceNumber;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i <= Frames; i++)
        {
            sender.SendFrame(frame, i * 3000);
            sender.Retransmit((ushort)(sender.NextSequenceNumber - 1));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var packets = (ushort)(sender.NextSequenceNumber - firstSequence) + Frames; // sent + retransmitted
        AllocationAssert.LessThanOneBytePerOperation(allocated, packets, "sent packets");
    }
}
