using CallBot.Rtc.Fec;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Fec;

/// <summary>
/// What <see cref="FecStreamSender"/> puts on the wire, packet by packet: where its ULPFEC packets sit in the media's
/// sequence space, and that each one rebuilds a lost packet of its group. The wire order matters to Chromium: libwebrtc's
/// <c>PacketBuffer</c> assembles a frame only from media packets with consecutive sequence numbers
/// (<c>PotentialNewFrame</c>: every packet but the first needs the packet one number before it in the buffer, and a
/// ULPFEC number is held as padding outside the buffer), so a FEC packet numbered between two packets of a frame makes
/// that frame, and every delta frame after it, undecodable until a keyframe.
/// </summary>
public sealed class FecStreamSenderTests
{
    // Chrome's numbers for VP8, RED and ULPFEC; at 10 % loss FecProtection makes groups of 4 media packets.
    private const byte Vp8 = 96, Red = 116, Ulpfec = 118;
    private const double Loss = 0.10;

    [Fact]
    public void Ulpfec_packets_go_out_after_their_frames_last_packet_never_between_two_packets_of_a_frame()
    {
        var wire = new Wire(Loss);
        int[] packetsPerFrame = [1, 3, 4, 5, 9, 12, 2, 17, 8, 1];
        foreach (var packets in packetsPerFrame)
        {
            wire.SendFrame(packets);
        }

        ushort? previousSequence = null;
        var previousWasMarker = false;
        var previousWasFec = false;
        var fecPerFrame = new Dictionary<uint, int>();
        var mediaPerFrame = new Dictionary<uint, int>();
        foreach (var packet in wire.Packets)
        {
            Assert.True(RtpHeader.TryParse(packet, out var header, out var headerLength, out _));
            Assert.Equal(Red, header.PayloadType);
            var block = packet[headerLength];
            Assert.True(block is Vp8 or Ulpfec, $"RED block payload type {block}");
            var isFec = block == Ulpfec;

            // One sequence space, no gaps: media and FEC numbers interleave.
            if (previousSequence is { } previous)
            {
                Assert.Equal((ushort)(previous + 1), header.SequenceNumber);
            }

            if (isFec)
            {
                Assert.False(header.Marker);
                Assert.True(
                    previousWasMarker || previousWasFec,
                    $"ULPFEC packet {header.SequenceNumber} is numbered inside frame {header.Timestamp} (after a packet that is not the frame's last)");
                fecPerFrame[header.Timestamp] = fecPerFrame.GetValueOrDefault(header.Timestamp) + 1;
            }
            else
            {
                mediaPerFrame[header.Timestamp] = mediaPerFrame.GetValueOrDefault(header.Timestamp) + 1;
            }

            previousSequence = header.SequenceNumber;
            previousWasMarker = !isFec && header.Marker;
            previousWasFec = isFec;
        }

        // Each frame's groups hold at most 4 packets: ceil(packets / 4) FEC packets, all after the frame.
        Assert.Equal(packetsPerFrame.Length, mediaPerFrame.Count);
        foreach (var (timestamp, media) in mediaPerFrame)
        {
            Assert.Equal((media + 3) / 4, fecPerFrame.GetValueOrDefault(timestamp));
        }

        Assert.Equal(packetsPerFrame.Sum(), wire.Sender.RedPacketsSent);
        Assert.Equal(fecPerFrame.Values.Sum(), wire.Sender.FecPacketsSent);
    }

    [Fact]
    public void Each_ulpfec_packet_sent_after_a_frame_rebuilds_any_one_lost_packet_of_its_group_byte_for_byte()
    {
        var wire = new Wire(Loss);
        wire.SendFrame(10); // groups of 4, 4 and 2: three FEC packets after the tenth
        var media = wire.Plain;
        var fec = wire.Packets.Where(p => p[RtpHeader.FixedSize] == Ulpfec).ToArray();
        Assert.Equal(10, media.Count);
        Assert.Equal(3, fec.Length);

        var rebuilt = new byte[UlpfecPacket.MaxMediaPacketSize];
        for (var lost = 0; lost < media.Count; lost++)
        {
            var decoder = new UlpfecDecoder();
            for (var i = 0; i < media.Count; i++)
            {
                if (i != lost)
                {
                    decoder.AddMedia(media[i]);
                }
            }

            foreach (var packet in fec)
            {
                // The ULPFEC block follows the 12-byte header (no extensions here) and the 1-byte RED block header.
                decoder.AddFec(packet.AsSpan(RtpHeader.FixedSize + RedPayload.PrimaryHeaderSize));
            }

            Assert.True(decoder.TryRecover(rebuilt, out var written), $"packet {lost} of 10 not rebuilt");
            Assert.Equal(media[lost], rebuilt.AsSpan(0, written).ToArray());
            Assert.False(decoder.TryRecover(rebuilt, out _));
        }
    }

    [Fact]
    public void On_a_clean_link_media_goes_out_as_red_without_ulpfec()
    {
        var wire = new Wire(loss: 0);
        wire.SendFrame(6);
        Assert.Equal(6, wire.Packets.Count);
        Assert.All(wire.Packets, p => Assert.Equal(Vp8, p[RtpHeader.FixedSize]));
        Assert.Equal(0, wire.Sender.FecPacketsSent);
    }

    [Fact]
    public void A_frame_whose_last_packet_went_out_unprotected_leaves_no_ulpfec_inside_the_next_frame()
    {
        var wire = new Wire(Loss) { PassMarkerUnprotected = true };
        wire.SendFrame(6); // groups of 4 and 2 still open when its marker packet bypasses the sender
        wire.PassMarkerUnprotected = false;
        wire.SendFrame(6);

        // In number order (what a receiver's packet buffer sees), every FEC packet follows a frame's last packet or another FEC.
        var ordered = wire.Packets.Select(p => (Packet: p, Ok: RtpHeader.TryParse(p, out var h, out var length, out _), Header: h, Length: length))
            .OrderBy(p => (ushort)(p.Header.SequenceNumber - Wire.FirstSequenceNumber)).ToList(); // the numbers wrap at 65,535
        var fec = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            var (packet, ok, header, length) = ordered[i];
            Assert.True(ok);
            if (header.PayloadType == Red && packet[length] == Ulpfec)
            {
                fec++;
                var before = ordered[i - 1];
                var afterFrame = before.Header.Marker || (before.Header.PayloadType == Red && before.Packet[before.Length] == Ulpfec);
                Assert.True(afterFrame, $"ULPFEC packet {header.SequenceNumber} is numbered inside frame {before.Header.Timestamp}");
            }
        }

        Assert.Equal(2, fec); // the second frame's two groups; the first frame's were dropped
    }

    [Fact]
    public void Fec_stays_within_the_target_bitrate_above_the_media_rate()
    {
        // 30 frames a second of 4 packets (~1.03 Mbit/s with RED) at 10 % loss: groups of 4 (25 % more) by the loss alone.
        var ample = Run(targetKbps: 3000);
        var tight = Run(targetKbps: 1150);  // ~11 % above the media rate: about one frame in two keeps its FEC packet
        var over = Run(targetKbps: 1000);   // under the media rate (a bottleneck): no FEC at all

        Assert.InRange(ample.Media, 1000, 1100);
        Assert.Equal(0.25, ample.Overhead, 2);
        Assert.InRange(tight.Overhead, 0.08, 0.125);
        Assert.Equal(0, over.Overhead);

        static (int Media, double Overhead) Run(int targetKbps)
        {
            var wire = new Wire(Loss, targetKbps);
            for (var i = 0; i < 90; i++)
            {
                wire.SendFrame(4);
                wire.Time.Advance(TimeSpan.FromMilliseconds(1000.0 / 30));
            }

            // From the second half second on, when the media rate is known.
            var fec = 0;
            var media = 0;
            foreach (var packet in wire.Packets.Skip(20 * 4))
            {
                Assert.True(RtpHeader.TryParse(packet, out _, out var headerLength, out _));
                _ = packet[headerLength] == Ulpfec ? fec++ : media++;
            }

            return (wire.Sender.MediaKbps, (double)fec / media);
        }
    }

    /// <summary>A VP8 stream (real packetizer, 1,200-byte packets) through the FEC sender; the wire and the plain packets kept.</summary>
    private sealed class Wire
    {
        public const ushort FirstSequenceNumber = 65_530;

        private readonly RtpStreamSender _rtp;
        private long _timestamp;

        public Wire(double loss, int targetKbps = 0)
        {
            var time = Time;
            Sender = new FecStreamSender(1, ReserveSequenceNumber, () => loss, () => targetKbps, time) { PayloadTypes = new FecPayloadTypes(Vp8, Red, Ulpfec) };
            _rtp = new RtpStreamSender(
                new RtpStreamSenderOptions { Ssrc = 1, PayloadType = Vp8, HistorySize = 0, InitialSequenceNumber = FirstSequenceNumber },
                new Vp8Payloader(),
                packet =>
                {
                    Plain.Add(packet.ToArray());
                    if (PassMarkerUnprotected && RtpHeader.TryParse(packet, out var header, out _, out _) && header.Marker)
                    {
                        Packets.Add(packet.ToArray()); // as the sender's own bypass (a packet too large for RED) puts it on the wire
                        return;
                    }

                    Sender.Write(packet, p => Packets.Add(p.ToArray()));
                },
                time);
        }

        public FecStreamSender Sender { get; }

        public FakeTimeProvider Time { get; } = new();

        /// <summary>A frame's marker packet skips the FEC sender and goes to the wire as it is.</summary>
        public bool PassMarkerUnprotected { get; set; }

        /// <summary>What went on the wire, in order.</summary>
        public List<byte[]> Packets { get; } = [];

        /// <summary>The media packets before RED (what a receiver rebuilds).</summary>
        public List<byte[]> Plain { get; } = [];

        // FEC packets take the next numbers of the media's sequence space, as MediaSendStream.ReserveSequenceNumber gives them.
        private ushort? ReserveSequenceNumber() => _rtp.ReserveSequenceNumber();

        public void SendFrame(int packets)
        {
            // The payloader spreads a frame evenly over ceil(size / room) packets: room = 1,200 - 12 (header) - 4 (VP8 descriptor).
            var frame = new byte[(packets * 1_184) - 500];
            new Random(packets).NextBytes(frame);
            var before = Plain.Count;
            _rtp.SendFrame(frame, _timestamp += 3000);
            Assert.Equal(packets, Plain.Count - before);
        }
    }
}
