using System.Buffers.Binary;
using CallBot.Abstractions;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Media;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Sdp;
using CallBot.Rtc.Tests.PeerConnection;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Interceptors;

/// <summary>
/// The bot as a receiver under loss, on fake time: a sender (<see cref="RtpStreamSender"/>, answering NACKs from its
/// history) and the receiving stream behind the real nack stage, 50 ms each way (RTT 100 ms, the round trip the stage
/// assumes before a report measures one). The first NACK for a gap leaves when the packet revealing it arrives, a gap
/// whose first retransmission is lost is repaired by the next round, and a packet that never comes is given up after
/// <see cref="NackGenerator.GapWait"/>, no later.
/// </summary>
public sealed class NackRepairTests
{
    private static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RoundTrip = 2 * OneWay;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);

    /// <summary>The receiver's wait before this change: one NACK round (1.5 RTT + 50 ms).</summary>
    private static readonly TimeSpan OneRoundWait = (RoundTrip * 1.5) + TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void The_first_nack_for_a_gap_is_written_when_the_packet_revealing_it_arrives_not_at_the_next_tick()
    {
        var link = new LossyLink(_time);
        var lost = new HashSet<ushort> { Seq(4, 1), Seq(4, 2) }; // frame 4 loses its last two packets (one gap)
        var lostToo = Seq(6, 0);                                  // and frame 6 its first: a new gap 33 ms later
        link.DropToReceiver = (sequence, attempt) => attempt == 1 && (lost.Contains(sequence) || sequence == lostToo);

        link.Run(frames: 10, TimeSpan.FromMilliseconds(400));

        // The gap before frame 5's first packet and the one before frame 6's second, each asked for at the instant the
        // packet after it arrived (an early writer run, not a 20 ms tick); the second inside the 40 ms the old generator kept
        // between two NACK packets.
        var first = link.Nacks.First(n => n.Sequences.Contains(Seq(4, 1)));
        Assert.Equal(link.ArrivalOf(Seq(5, 0)), first.At);
        Assert.Equal([Seq(4, 1), Seq(4, 2)], first.Sequences);
        var second = link.Nacks.First(n => n.Sequences.Contains(lostToo));
        Assert.Equal(link.ArrivalOf(Seq(6, 1)), second.At);
        Assert.True(second.At - first.At < TimeSpan.FromMilliseconds(40), $"{second.At - first.At}");
        Assert.True(link.EarlyRuns >= 2);

        // Every frame was repaired in one round and delivered.
        Assert.Equal(10, link.Delivered.Count);
        Assert.Equal(0, link.Stream.Receiver.PacketsGivenUp);
    }

    [Fact]
    public void A_gap_whose_first_retransmission_is_lost_is_repaired_by_the_second_round_and_the_frame_is_delivered()
    {
        var link = new LossyLink(_time);
        var victim = Seq(3, 1);
        link.DropToReceiver = (sequence, attempt) => sequence == victim && attempt <= 2; // the original and its first retransmission

        link.Run(frames: 20, TimeSpan.FromSeconds(1));

        Assert.Equal(3, link.Attempts(victim)); // original, lost retransmission, the second round's retransmission
        Assert.Equal(1, link.Stream.Receiver.Recovered);
        Assert.Equal(0, link.Stream.Receiver.PacketsGivenUp);
        Assert.Equal(0, link.Stream.Assembler.FramesDropped);
        Assert.Equal(20, link.Delivered.Count); // frame 3 included, and no keyframe was needed for the rest
        Assert.Equal(2, link.Nacks.Count(n => n.Sequences.Contains(victim)));

        // The repair came after the old one-round wait would have given the gap up (and requested a keyframe).
        var revealed = link.ArrivalOf(Seq(3, 2));
        var repaired = link.Delivered.Single(f => f.Index == 3).At;
        Assert.True(repaired - revealed > OneRoundWait, $"repaired {repaired - revealed} after the gap was seen");
        Assert.True(repaired - revealed < NackGenerator.GapWait(RoundTrip), $"repaired {repaired - revealed} after the gap was seen");
    }

    [Fact]
    public void A_packet_that_never_comes_is_given_up_after_the_gap_wait_and_the_stream_goes_on()
    {
        var link = new LossyLink(_time);
        var victim = Seq(3, 1);
        link.DropToReceiver = (sequence, _) => sequence == victim; // every retransmission is lost too

        link.Run(frames: 40, TimeSpan.FromSeconds(2));

        var wait = NackGenerator.GapWait(RoundTrip);
        Assert.Equal(TimeSpan.FromMilliseconds(540), wait);
        var revealed = AssertGivenUpAfter(link, wait);

        // Asked for about once a round trip while it was waited for (rounds RTT + 10 ms apart, on 20 ms ticks), then no more.
        var asks = link.Nacks.Where(n => n.Sequences.Contains(victim)).Select(n => n.At).ToList();
        Assert.InRange(asks.Count, NackGenerator.GapWaitRounds, NackGenerator.GapWaitRounds + 1);
        Assert.All(asks, at => Assert.True(at - revealed < wait));
        Assert.DoesNotContain(link.Delivered, f => f.Index == 3);
        Assert.Equal(39, link.Delivered.Count); // every other frame (each a keyframe here) is delivered
    }

    [Fact]
    public void A_number_that_was_never_media_between_two_whole_frames_holds_nothing_back()
    {
        // After frame 3 the sender takes a sequence number and never sends it, as a ULPFEC packet lost on the way looks to
        // the receiver (no sender retransmits FEC): frame 4's picture id follows frame 3's, so nothing of a frame is missing.
        var link = new LossyLink(_time)
        {
            AfterFrame = (sender, index) =>
            {
                if (index == 3)
                {
                    _ = sender.ReserveSequenceNumber();
                }
            },
        };

        link.Run(frames: 10, TimeSpan.FromMilliseconds(600));

        Assert.Equal(1, link.Stream.Receiver.GapsSkipped);
        Assert.Equal(0, link.Stream.Receiver.GapsAccepted);
        Assert.Equal(0, link.Stream.Assembler.Gaps);            // no loss seen: no keyframe wanted
        Assert.Empty(link.Nacks);                              // nothing asked for
        Assert.Equal(10, link.Delivered.Count);
        var frame4 = link.Delivered.Single(f => f.Index == 4).At;
        Assert.Equal(link.ArrivalOf((ushort)(Seq(4, 2) + 1)), frame4); // delivered as its last packet arrived
    }

    [Fact]
    public void A_lost_fec_number_followed_by_another_fec_packet_holds_nothing_back()
    {
        // As Chromium sends them: two ULPFEC packets after frame 3, the first lost (never retransmitted), the second
        // arriving as the fec stage hands it on (an empty payload). The packet right after the gap is that empty one;
        // frame 4's first packet is what shows nothing of a frame is missing.
        var link = new LossyLink(_time);
        link.AfterFrame = (sender, index) =>
        {
            if (index == 3)
            {
                _ = sender.ReserveSequenceNumber();
                link.SendEmpty(sender.ReserveSequenceNumber());
            }
        };

        link.Run(frames: 10, TimeSpan.FromMilliseconds(600));

        Assert.Equal(1, link.Stream.Receiver.GapsSkipped);
        Assert.Equal(0, link.Stream.Receiver.GapsAccepted);
        Assert.Equal(0, link.Stream.Assembler.Gaps);            // no keyframe wanted

        // The empty packet revealed the gap before frame 4 did: one NACK for the lost number (as libwebrtc asks, in
        // vain, for lost FEC), never repeated once frame 4 showed it held no media.
        var fec = (ushort)(Seq(3, 2) + 1);
        var nack = Assert.Single(link.Nacks);
        Assert.Equal([fec], nack.Sequences);
        Assert.Equal(10, link.Delivered.Count);
        var frame4 = link.Delivered.Single(f => f.Index == 4).At;
        Assert.Equal(link.ArrivalOf((ushort)(Seq(4, 2) + 2)), frame4); // delivered as its last packet arrived, not a gap wait later
    }

    [Fact]
    public void A_whole_frame_lost_between_two_whole_frames_is_still_waited_for_and_repaired()
    {
        var link = new LossyLink(_time);
        link.DropToReceiver = (sequence, attempt) => attempt == 1 && sequence >= Seq(4, 0) && sequence <= Seq(4, 2);

        link.Run(frames: 10, TimeSpan.FromMilliseconds(600));

        Assert.Equal(0, link.Stream.Receiver.GapsSkipped);    // frame 5's picture id does not follow frame 3's
        Assert.Equal(3, link.Stream.Receiver.Recovered);
        Assert.Equal(10, link.Delivered.Count);
    }

    [Fact]
    public void A_receiver_that_sends_nothing_takes_its_round_trip_from_ice()
    {
        // No transceiver sends, so no report block ever measures a round trip: the stage uses what ICE measured (here 200 ms)
        // rather than assuming 100 ms, and gives a packet that never comes four rounds of that round trip.
        var ice = TimeSpan.FromMilliseconds(200);
        var link = new LossyLink(_time, () => ice);
        var victim = Seq(3, 1);
        link.DropToReceiver = (sequence, _) => sequence == victim;

        link.Run(frames: 60, TimeSpan.FromSeconds(2.5));

        var wait = NackGenerator.GapWait(ice);
        Assert.Equal(TimeSpan.FromMilliseconds(940), wait);
        AssertGivenUpAfter(link, wait);
    }

    [Fact]
    public void The_gap_wait_is_four_nack_rounds_bounded_by_one_second()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(180), NackGenerator.GapWait(TimeSpan.FromMilliseconds(10)));  // 4 × 10 + 3 × (10 + 20) + 50
        Assert.Equal(TimeSpan.FromMilliseconds(540), NackGenerator.GapWait(TimeSpan.FromMilliseconds(100))); // 400 + 90 + 50
        Assert.Equal(TimeSpan.FromMilliseconds(940), NackGenerator.GapWait(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(NackGenerator.GapWaitCap, NackGenerator.GapWait(TimeSpan.FromMilliseconds(300)));
    }

    /// <summary>
    /// Packet 1 of frame 3, lost for good, was waited for <paramref name="wait"/> and given up on the first tick at or after
    /// it, never before: the frames held behind it come out then. Returns when the gap was revealed.
    /// </summary>
    private static TimeSpan AssertGivenUpAfter(LossyLink link, TimeSpan wait)
    {
        Assert.Equal(wait, link.Stream.Receiver.MaxGapWait);
        Assert.Equal(1, link.Stream.Receiver.PacketsGivenUp);
        var revealed = link.ArrivalOf(Seq(3, 2));
        var resumed = link.Delivered.First(f => f.Index > 3).At;
        Assert.InRange(resumed - revealed, wait, wait + Tick);
        return revealed;
    }

    /// <summary>Sequence number of packet <paramref name="packet"/> of frame <paramref name="frame"/> (three packets a frame).</summary>
    private static ushort Seq(int frame, int packet) => (ushort)(LossyLink.FirstSequence + (frame * LossyLink.PacketsPerFrame) + packet);

    internal static void Negotiate(RtpTransceiver transceiver) => transceiver.SetNegotiated(
        new NegotiatedMedia("0", "video", false) { Codecs = [new NegotiatedCodec(96, "VP8", 90_000, 0, null, [SdpRtcpFeedback.Nack], null)] },
        CodecId.Vp8,
        TransceiverDirection.SendRecv);

    /// <summary>
    /// One video stream over a lossy link on fake time, stepped a millisecond at a time: a frame every 33 ms, each arrival
    /// into the receiving stream's reader chain, the writer run at once when the nack stage asks (as the connection does
    /// after its receive lock) and on every 20 ms tick after the jitter buffer's Poll (as <see cref="RtcpTimer"/> does),
    /// NACKs back to the sender, which answers from its history (no RTX: the original packet again).
    /// </summary>
    private sealed class LossyLink : IEncodedFrameSink
    {
        public const ushort FirstSequence = 1000;
        public const int PacketsPerFrame = 3;

        private const int FrameSize = 3000; // three packets at the default 1,200-byte MTU
        private const uint RtxSsrc = 23;
        private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(33);

        private readonly FakeTimeProvider _time;
        private readonly DateTimeOffset _start;
        private readonly InterceptorChain _chain;
        private readonly RtpTransceiver _transceiver;
        private readonly RtpStreamSender _sender;
        private readonly List<(DateTimeOffset At, byte[] Packet)> _toReceiver = [];
        private readonly List<(DateTimeOffset At, GenericNack Nack)> _toSender = [];
        private readonly Dictionary<ushort, TimeSpan> _firstArrival = [];
        private readonly Dictionary<ushort, int> _attempts = [];
        private bool _early;

        public LossyLink(FakeTimeProvider time, Func<TimeSpan?>? iceRoundTrip = null)
        {
            _time = time;
            _start = time.GetUtcNow();
            var options = new PeerConnectionOptions { Interceptors = [InterceptorRegistry.Nack] };
            _chain = new InterceptorChain(new InterceptorContext(options, time, new RtpDemux(), static raise => raise(), "cname", () => _early = true, iceRoundTrip));
            _transceiver = new RtpTransceiver(MediaKind.Video, TransceiverDirection.SendRecv, 11, null, "s", "t", time);
            Negotiate(_transceiver);
            Stream = new MediaReceiveStream(22, CodecId.Vp8, 96, nack: true, options.MaxGapWait, this, time);
            _chain.BindRemoteStream(_transceiver, Stream);
            var senderOptions = new RtpStreamSenderOptions
            {
                Ssrc = 22, PayloadType = 96, RtxSsrc = RtxSsrc, RtxPayloadType = 97, InitialSequenceNumber = FirstSequence, InitialTimestamp = 0,
            };
            _sender = new RtpStreamSender(senderOptions, RtpCodecs.CreatePayloader(CodecId.Vp8), ToReceiver, time);
        }

        /// <summary>Called after each frame is sent, with its index (to take a sequence number that is never sent).</summary>
        public Action<RtpStreamSender, int> AfterFrame { get; set; } = (_, _) => { };

        /// <summary>Decides whether a packet is lost on its way: its media sequence number, and which send of it (1 = the original, 2 = the first retransmission…).</summary>
        public Func<ushort, int, bool> DropToReceiver { get; set; } = (_, _) => false;

        public MediaReceiveStream Stream { get; }

        public List<(TimeSpan At, ushort[] Sequences)> Nacks { get; } = [];

        public List<(int Index, TimeSpan At)> Delivered { get; } = [];

        public int EarlyRuns { get; private set; }

        private TimeSpan Now => _time.GetUtcNow() - _start;

        public TimeSpan ArrivalOf(ushort sequence) => _firstArrival[sequence];

        /// <summary>How many times the sender sent this sequence number (the original and its retransmissions).</summary>
        public int Attempts(ushort sequence) => _attempts.GetValueOrDefault(sequence);

        public void Run(int frames, TimeSpan duration)
        {
            var step = TimeSpan.FromMilliseconds(1);
            var sentFrames = 0;
            for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += step)
            {
                if (sentFrames < frames && elapsed >= FrameInterval * sentFrames)
                {
                    var data = InMemoryPeers.SyntheticVp8KeyFrame(sentFrames, FrameSize);
                    _sender.OnFrame(new EncodedFrame(CodecId.Vp8, data, sentFrames * 3000L, 3000, true));
                    AfterFrame(_sender, sentFrames);
                    sentFrames++;
                }

                Deliver();
                if (elapsed.Ticks % Tick.Ticks == 0)
                {
                    Stream.Receiver.Poll();
                    Write();
                }

                _time.Advance(step);
            }
        }

        /// <summary>Sends a header-only packet numbered <paramref name="sequence"/>: what the fec stage hands the stream for a ULPFEC packet.</summary>
        public void SendEmpty(ushort sequence)
        {
            var packet = new byte[RtpHeader.FixedSize];
            packet[0] = 0x80;
            packet[1] = 96;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 22);
            ToReceiver(packet);
        }

        public void OnFrame(in EncodedFrame frame) => Delivered.Add(((int)(frame.Timestamp / 3000), Now));

        private void ToReceiver(ReadOnlySpan<byte> packet)
        {
            var sequence = MediaSequence(packet);
            var attempt = _attempts[sequence] = _attempts.GetValueOrDefault(sequence) + 1;
            if (!DropToReceiver(sequence, attempt))
            {
                _toReceiver.Add((_time.GetUtcNow() + OneWay, packet.ToArray()));
            }
        }

        /// <summary>The media sequence number a packet carries: its own, or an RTX packet's original (OSN).</summary>
        private static ushort MediaSequence(ReadOnlySpan<byte> packet)
        {
            Assert.True(RtpHeader.TryParse(packet, out var header, out var headerLength, out _));
            if (header.Ssrc != RtxSsrc)
            {
                return header.SequenceNumber;
            }

            Assert.True(RtxPacket.TryUnwrap(packet[headerLength..], out var original, out _));
            return original;
        }

        private void Deliver()
        {
            var now = _time.GetUtcNow();
            foreach (var (at, packet) in _toReceiver.Where(p => p.At <= now).ToList())
            {
                _toReceiver.Remove((at, packet));
                _firstArrival.TryAdd(MediaSequence(packet), Now);
                if (RtpHeader.TryParse(packet, out var header, out _, out _) && header.Ssrc == RtxSsrc)
                {
                    Stream.ReceiveRtx(packet, out _); // as the connection does: RTX goes to the stream directly
                }
                else
                {
                    Stream.Reader(packet, out _);
                }

                if (_early)
                {
                    // The connection runs the writer chain as soon as the receive lock is released.
                    _early = false;
                    EarlyRuns++;
                    Write();
                }
            }

            foreach (var (at, nack) in _toSender.Where(n => n.At <= now).ToList())
            {
                _toSender.Remove((at, nack));
                _sender.OnNack(nack);
            }
        }

        private void Write()
        {
            foreach (var packet in _chain.WriteRtcp(_transceiver, Stream, reportDue: false, maxBandwidthKbps: 0))
            {
                if (packet is GenericNack nack)
                {
                    var lost = new ushort[64];
                    Nacks.Add((Now, lost[..nack.CopyLostSequenceNumbers(lost)]));
                    _toSender.Add((_time.GetUtcNow() + OneWay, nack));
                }
            }
        }
    }
}
