using System.Buffers.Binary;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Rtp;

/// <summary>
/// Issue 16 row 4: a NACK is remote input. Duplicates and full bitmasks must not multiply resends, a packet goes out again
/// at most once per RTT, and all resends stay within a byte budget tied to what the stream itself sends.
/// </summary>
public sealed class NackResendBoundsTests
{
    private const int PayloadBytes = 1000;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<byte[]> _sent = [];

    [Fact]
    public void One_1212_byte_nack_of_300_identical_full_entries_resends_at_most_17_packets()
    {
        var sender = CreateSender();
        var first = sender.NextSequenceNumber;
        SendPackets(sender, 40);
        var before = _sent.Count;

        // What an attacker sends: the largest NACK that fits a 1,212-byte datagram, 300 entries, each naming the same 17 packets.
        var wire = NackDatagram(sender.Ssrc, pairs: 300, pid: first, mask: 0xFFFF);
        Assert.Equal(1212, wire.Length);
        Assert.True(GenericNack.TryParse(wire, out var nack, out _));
        var resent = sender.OnNack(nack!);

        Assert.InRange(_sent.Count - before, 1, 17);
        Assert.Equal(17, resent); // every named packet was held: each went out exactly once
        Assert.Equal(17, DistinctSequenceNumbers(_sent.Skip(before)));
    }

    [Fact]
    public void A_packet_is_resent_at_most_once_per_rtt()
    {
        var sender = CreateSender();
        sender.RoundTripTime = TimeSpan.FromMilliseconds(80);
        var first = sender.NextSequenceNumber;
        SendPackets(sender, 10);
        var nack = GenericNack.FromSequenceNumbers(1, sender.Ssrc, [first, (ushort)(first + 1)]);

        Assert.Equal(2, sender.OnNack(nack));
        _time.Advance(TimeSpan.FromMilliseconds(79));
        Assert.Equal(0, sender.OnNack(nack)); // the retransmission may still be in flight
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, sender.OnNack(nack)); // one RTT later: lost again, resend
        Assert.Equal(2, sender.RetransmissionsSuppressed);
    }

    [Fact]
    public void Nack_flood_resends_no_more_bytes_than_the_stream_sends()
    {
        // 100 packets of 1,000 bytes per second (≈ 800 kbit/s); an attacker NACKs every held packet every 10 ms for 5 s.
        var sender = CreateSender();
        sender.RoundTripTime = TimeSpan.FromMilliseconds(5);
        long originalBytes = 0;
        long resentBytes = 0;
        for (var tick = 0; tick < 500; tick++)
        {
            var first = (ushort)(sender.NextSequenceNumber - 150);
            SendPackets(sender, 1);
            originalBytes += _sent[^1].Length;
            var before = _sent.Count;
            Assert.True(GenericNack.TryParse(NackDatagram(sender.Ssrc, pairs: 10, pid: first, mask: 0xFFFF, step: 17), out var nack, out _));
            sender.OnNack(nack!);
            resentBytes += _sent.Skip(before).Sum(p => (long)p.Length);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // Without a budget this is 500 NACKs × up to 150 held packets ≈ 75 MB; with it, at most the media bytes plus one window.
        Assert.True(resentBytes <= originalBytes + (100 * 1100), $"resent {resentBytes} B for {originalBytes} B of media");
        Assert.True(resentBytes > 0);
        Assert.True(sender.RetransmissionsOverBudget > 0);
    }

    [Fact]
    public void A_whole_lost_keyframe_is_resent_right_after_the_stream_starts()
    {
        var sender = CreateSender();
        var first = sender.NextSequenceNumber;
        SendPackets(sender, 30); // one keyframe's burst, all lost
        var lost = Enumerable.Range(0, 30).Select(i => (ushort)(first + i)).ToArray();

        Assert.Equal(30, sender.OnNack(GenericNack.FromSequenceNumbers(1, sender.Ssrc, lost)));
        Assert.Equal(0, sender.RetransmissionsOverBudget);
    }

    private RtpStreamSender CreateSender() => new(
        new RtpStreamSenderOptions { Ssrc = 0x11223344, PayloadType = 96, HistorySize = 1024 },
        new OpusPayloader(), p => _sent.Add(p.ToArray()), _time);

    private static void SendPackets(RtpStreamSender sender, int count)
    {
        for (var i = 0; i < count; i++)
        {
            sender.SendFrame(new byte[PayloadBytes], i * 960);
        }
    }

    /// <summary>RTPFB FMT=1 with <paramref name="pairs"/> entries (pid + i·step, mask).</summary>
    private static byte[] NackDatagram(uint mediaSsrc, int pairs, ushort pid, ushort mask, int step = 0)
    {
        var datagram = new byte[12 + (4 * pairs)];
        datagram[0] = 0x81;                                                      // V=2, P=0, FMT=1
        datagram[1] = 205;                                                       // PT=RTPFB
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), (ushort)((datagram.Length / 4) - 1));
        BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(4), 1);            // sender SSRC
        BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(8), mediaSsrc);
        for (var i = 0; i < pairs; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(12 + (4 * i)), (ushort)(pid + (i * step)));
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(14 + (4 * i)), mask);
        }

        return datagram;
    }

    private static int DistinctSequenceNumbers(IEnumerable<byte[]> packets) =>
        packets.Select(p => BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(2))).Distinct().Count();
}
