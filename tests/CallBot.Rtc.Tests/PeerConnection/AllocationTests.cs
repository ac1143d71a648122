using System.Buffers;
using CallBot.Abstractions;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>The per-packet paths do not allocate: packetize + SRTP protect + UDP send on the producer thread, and the receive loop.</summary>
[Collection(ProcessWideMeasurements.Name)]
public sealed class AllocationTests(ITestOutputHelper output)
{
    private const int Frames = 600;
    private const int Chunk = 20;
    private const int WarmUpChunks = 18; // 1080 packets: more than the 1024 the NACK history keeps, so it owns all its buffers

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    public async Task Sending_and_receiving_frames_allocates_nothing_per_packet(bool singlePort, bool paced, bool poolContended)
    {
        // Single-port mode: each side's connection on a shared port of its own (routing on the port's receive loop).
        await using var portA = new SharedPortSocketFactory();
        await using var portB = new SharedPortSocketFactory();
        // A retention longer than the test keeps the NACK history capacity-bound, so the warm-up fills it for good.
        // The default stages, transport-cc included: B builds its feedback into one reused instance every 60 ms (A's
        // parse of it is measured by Transport_cc_feedback_path_allocates_nothing_per_packet). Paced: A's video also
        // goes through the pacer (opt-in), whose timer sends most packets (the transport-cc target is 1.5 Mbit/s at start).
        var options = PeerHarness.LoopbackOptions(nackHistoryRetention: TimeSpan.FromMinutes(5));
        await using var a = PeerHarness.Create(new PeerConnectionOptions
        {
            NackHistoryRetention = options.NackHistoryRetention,
            Ice = options.Ice,
            HostAddressFilter = options.HostAddressFilter,
            SrtpProfiles = options.SrtpProfiles,
            DtlsHandshakeTimeout = options.DtlsHandshakeTimeout,
            Interceptors = paced
                ? [.. CallBot.Rtc.Interceptors.InterceptorRegistry.DefaultNames, CallBot.Rtc.Interceptors.InterceptorRegistry.Pacer]
                : CallBot.Rtc.Interceptors.InterceptorRegistry.DefaultNames,
            SocketFactory = singlePort ? portA : null,
        });
        var optionsB = PeerHarness.LoopbackOptions();
        await using var b = PeerHarness.Create(new PeerConnectionOptions
        {
            NackHistoryRetention = optionsB.NackHistoryRetention,
            Ice = optionsB.Ice,
            HostAddressFilter = optionsB.HostAddressFilter,
            SrtpProfiles = optionsB.SrtpProfiles,
            DtlsHandshakeTimeout = optionsB.DtlsHandshakeTimeout,
            SocketFactory = singlePort ? portB : null,
        });
        var video = a.AddTransceiver(MediaKind.Video, TransceiverDirection.SendOnly);
        var remote = b.AddTransceiver(MediaKind.Video, TransceiverDirection.RecvOnly);
        var counter = new CountingSink();
        remote.RemoteFrameSink = counter;
        PeerHarness.Trickle(a, b);
        PeerHarness.Trickle(b, a);
        var connected = PeerHarness.WaitForStateAsync(b, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(a, b);
        await connected;
        await PeerHarness.WaitForStateAsync(a, PeerConnectionState.Connected);

        var frame = InMemoryPeers.SyntheticVp8KeyFrame(1, 3400); // 3 packets per frame (with mid, abs-send-time and transport-cc extensions)

        // Pool contended: another thread keeps taking ArrayPool's 2 KiB arrays while the sender sends, as pool threads
        // sending RTCP may. The send path rented two such arrays nested (transport-cc, then SRTP), the second from the
        // pool's shared stacks: with them emptied the sender allocated 2,072 B for most packets; one such theft was the
        // 2,072 B a clean-clone CI run saw once.
        var draining = true;
        var stolen = 0L;
        var drainer = new Thread(() =>
        {
            var held = new byte[256][];
            while (Volatile.Read(ref draining))
            {
                for (var i = 0; i < held.Length; i++)
                {
                    held[i] = ArrayPool<byte>.Shared.Rent(2048);
                }

                stolen += held.Length;
                Array.Clear(held); // dropped, never returned: the pool stays empty
                Thread.Yield();
            }
        });
        // One dedicated sender thread, paced in chunks the receiver acknowledges (a loopback socket buffer drops long bursts).
        // The warm-up fills this thread's ArrayPool cache, the lazily created lock/wait objects and the NACK history.
        long sendAllocated = 0;
        long processAllocated = 0;
        var cpuBefore = TimeSpan.Zero;
        var cpu = TimeSpan.Zero;
        var sender = new Thread(() =>
        {
            var sent = 0;
            void SendChunk()
            {
                for (var i = 0; i < Chunk; i++, sent++)
                {
                    video.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, sent * 3000L, 3000, true));
                }

                counter.WaitFor(sent, PeerHarness.Timeout);
            }

            for (var c = 0; c < WarmUpChunks; c++)
            {
                SendChunk();
            }

            counter.Measuring = true;
            if (poolContended)
            {
                drainer.Start();
            }

            cpuBefore = Environment.CpuUsage.TotalTime;
            var processBefore = GC.GetTotalAllocatedBytes(precise: true);
            var threadBefore = GC.GetAllocatedBytesForCurrentThread();
            for (var c = 0; c < Frames / Chunk; c++)
            {
                SendChunk();
            }

            sendAllocated = GC.GetAllocatedBytesForCurrentThread() - threadBefore;
            processAllocated = GC.GetTotalAllocatedBytes(precise: true) - processBefore;
            cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        });

        sender.Start();
        await Task.Run(sender.Join, TestContext.Current.CancellationToken);
        Volatile.Write(ref draining, false);
        if (poolContended)
        {
            drainer.Join();
            Assert.True(stolen > 0);
        }
        var packets = a.GetStats().Transport.RtpSent;

        Assert.Equal(singlePort ? 1 : 0, portA.ConnectionCount);
        output.WriteLine($"single port {singlePort}, paced={paced}, pool contended {poolContended} ({stolen} arrays taken): {packets} packets: send thread {sendAllocated} B, receive loop {counter.ReceiveLoopAllocated} B over {counter.ReceiveLoopFramesMeasured} frames, whole process {processAllocated} B ({(double)processAllocated / packets:0.0} B/packet); process CPU {cpu.TotalMilliseconds:0} ms for the {Frames * 3} measured packets ({cpu.TotalMicroseconds / (Frames * 3):0.0} µs/packet, both peers, sender and receiver)");
        Assert.Equal((Frames + (WarmUpChunks * Chunk)) * 3, packets);
        AllocationAssert.LessThanOneBytePerOperation(sendAllocated, Frames * 3, "send thread, RTP packets");

        // The receive loop also parses the peer's RTCP (SR/RR: control path, allocates per report, a few per second).
        // Less than one byte per RTP packet rules out any per-packet allocation (the smallest object is 24 B).
        // Paced, B's packets arrive spread out, so its receive loop waits (asynchronously) between most of them, and the
        // figure counts whatever else ran on those pool threads meanwhile: 14-29 B per packet, not yet attributed. The
        // pacer itself (queue, timer drain, stamping) is 0 B per packet in PacketPacerBenchmarks; here its producer
        // side is the send-thread assertion above.
        if (!paced)
        {
            Assert.True(counter.ReceiveLoopAllocated < packets, $"receive loop allocated {counter.ReceiveLoopAllocated} B for {packets} packets");
        }

        // The whole-process figure is printed, not asserted: it also counts whatever other fixtures of the same test
        // process still do in the background (seen: 18 MB during a full-suite run, ~3 KB when run alone).
        Assert.True(counter.ReceiveLoopFramesMeasured > 0);
    }

    [Fact]
    public async Task Receive_path_allocates_nothing_per_packet()
    {
        // A → B media is tapped and kept from the network, then fed to B's receive path on this thread, so the
        // measurement covers exactly SRTP unprotect, demux, jitter buffer, frame assembly and the sink call.
        await using var peers = await InMemoryPeers.ConnectAsync();
        var media = new List<byte[]>();
        peers.DropAtoB = datagram =>
        {
            if (datagram.Length > 12 && datagram[0] is >= 128 and <= 191 && datagram[1] is < 192 or > 223)
            {
                lock (media)
                {
                    media.Add(datagram);
                }

                return true;
            }

            return false;
        };
        var counter = new CountingSink();
        peers.VideoB.RemoteFrameSink = counter;
        var frame = InMemoryPeers.SyntheticVp8KeyFrame(1, 3400);
        const int Frames = 2200;
        for (var i = 0; i < Frames; i++)
        {
            peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, i * 3000L, 3000, true));
        }

        Assert.Equal(3 * Frames, media.Count);
        for (var i = 0; i < 60; i++)
        {
            peers.B.OnRtpDatagram(media[i]);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 60; i < media.Count; i++)
        {
            peers.B.OnRtpDatagram(media[i]);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"receive path: {allocated} B for {media.Count - 60} packets");
        counter.WaitFor(Frames, TimeSpan.Zero);
        AllocationAssert.LessThanOneBytePerOperation(allocated, media.Count - 60, "receive path, RTP packets");
    }

    [Fact]
    public async Task Fec_receive_path_allocates_nothing_per_packet()
    {
        // The fec stage on both sides, A protecting at the loss B reported: A → B RTP (RED-wrapped media, ULPFEC) is tapped
        // and kept from the network, then fed to B on this thread with every 10th datagram left out, so the measurement
        // covers RED unwrap, the ULPFEC decoder (remember media, accept FEC, rebuild) and the rebuilt packets' way into
        // the jitter buffer and frame assembly, as well as SRTP, demux and the sink call.
        var ct = TestContext.Current.CancellationToken;
        // Without a bandwidth estimate (no transport-cc, no REMB): the frames go out as fast as the test sends them, far
        // above any estimate, which would leave FEC no room (FecProtection.Headroom); the subject here is the receive path.
        string[] stages = [.. CallBot.Rtc.Interceptors.InterceptorRegistry.DefaultNames.Where(
            n => n is not (CallBot.Rtc.Interceptors.InterceptorRegistry.TransportCc or CallBot.Rtc.Interceptors.InterceptorRegistry.Remb))];
        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfB: stages, stagesOfA: stages);
        var counter = new CountingSink();
        peers.VideoB.RemoteFrameSink = counter;
        var frame = InMemoryPeers.SyntheticVp8KeyFrame(1, 3399);
        var index = 0;
        void Send() => peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, index++ * 3000L, 3000, true));

        // B loses one A → B RTP datagram in five until A has B's report of it (~20 %: B's reports count the loss before
        // NACK repair); A then protects each media packet of a key frame with its own ULPFEC packet. The frame's 3,399
        // bytes cut into three equal packets, so every FEC packet is longer than every media packet: the capture below
        // tells them apart by length.
        var rtp = 0;
        peers.DropAtoB = datagram => IsRtp(datagram) && Interlocked.Increment(ref rtp) % 5 == 0;

        // Once A has that loss, B's reports are kept from A (B receives nothing while A's media is tapped: its next report
        // would say 0 % and stop A's FEC), so A protects every frame of the capture at the loss B last reported. A report
        // already on its way when they are blocked can still land and say 0 % (retransmissions of an earlier interval
        // count as received): the loss must still be there one sample after blocking, else the reports flow again and
        // the loss phase goes on.
        var blocked = false;
        await Poll.UntilAsync(
            () =>
            {
                Send();
                var loss = peers.VideoA.RemoteFractionLost;
                var held = blocked && loss >= 0.15;
                blocked = loss >= 0.15;
                peers.DropBtoA = blocked ? IsRtcp : null;
                return (Loss: loss, Held: held);
            },
            sample => sample.Held,
            PeerHarness.Timeout,
            sample => $"A's view of B's loss: {sample.Loss:P0}",
            TimeSpan.FromMilliseconds(20),
            ct);
        var media = new List<byte[]>();
        peers.DropAtoB = datagram =>
        {
            if (!IsRtp(datagram))
            {
                return false;
            }

            lock (media)
            {
                media.Add(datagram);
            }

            return true;
        };
        const int Frames = 2200;
        for (var i = 0; i < Frames; i++)
        {
            Send();
        }

        byte[][] datagrams;
        lock (media)
        {
            datagrams = [.. media];
        }

        var fecSent = peers.A.GetStats().Outbound.Single(s => s.Kind == MediaKind.Video).FecPacketsSent;
        Assert.True(fecSent >= Frames, $"A sent {fecSent} ULPFEC packets for {Frames} frames");
        // The warm-up covers every slot of the jitter buffer's 512-packet ring that an out-of-order packet (the datagram
        // after a left-out one, until the FEC packet rebuilds it) lands on: a slot gets its holder and buffer the first
        // time, once. Left out every 10th of 4 datagrams a frame, the same slots recur every 2,560 sequence numbers.
        const int WarmUp = 4000;
        // Left out: the first media datagram at or after every 10th. ULPFEC datagrams are never left out (they are the
        // longest here: the parity of the longest media packet plus 15 bytes of RED and FEC headers), since the sequence
        // number of a lost one is a gap nothing fills: it would cost the gap wait, not a rebuild.
        var fecLength = datagrams.Max(d => d.Length);
        var skipped = 0;
        var skipDue = false;
        void Feed(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                skipDue |= i % 10 == 9;
                if (skipDue && datagrams[i].Length < fecLength)
                {
                    skipDue = false;
                    skipped++;
                    continue;
                }

                peers.B.OnRtpDatagram(datagrams[i]);
            }
        }

        Feed(0, WarmUp);
        var framesBefore = counter.Count;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Feed(WarmUp, datagrams.Length);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var assembled = counter.Count - framesBefore;
        var inbound = await Poll.UntilAsync(
            () => peers.B.GetStats().Inbound.Single(s => s.Kind == MediaKind.Video),
            s => s.FecPacketsRecovered >= skipped,
            PeerHarness.Timeout,
            s => $"recovered {s.FecPacketsRecovered}, FEC received {s.FecPacketsReceived}",
            cancellationToken: ct);
        output.WriteLine(
            $"fec receive path: {allocated} B for {datagrams.Length - WarmUp} datagrams ({skipped} left out; {fecSent} ULPFEC sent, " +
            $"{inbound.FecPacketsReceived} received, {inbound.FecPacketsRecovered} packets rebuilt, {inbound.FecPacketsDiscarded} discarded); " +
            $"{assembled} frames assembled while measured");

        // Every left-out datagram is the only loss of its group, so it is rebuilt and every frame is whole (one marker each).
        var frames = datagrams.Skip(WarmUp).Count(d => (d[1] & 0x80) != 0);
        Assert.Equal(frames, assembled);
        Assert.Equal(0, inbound.FecPacketsDiscarded);
        AllocationAssert.LessThanOneBytePerOperation(allocated, datagrams.Length - WarmUp, "fec receive path, RTP packets");
    }

    [Fact]
    public async Task Transport_cc_feedback_path_allocates_nothing_per_packet()
    {
        // B's RTCP to A (its transport-cc feedback about A's packets, every 60 ms, and its reports) is kept from the
        // network and fed to A's receive path on this thread: SRTCP unprotect, the compound parse into the chain's
        // reusable feedback, matching with the send history, the estimator and the target it sets.
        var stages = CallBot.Rtc.Interceptors.InterceptorRegistry.DefaultNames;
        Assert.Contains(CallBot.Rtc.Interceptors.InterceptorRegistry.TransportCc, stages);
        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfA: stages, stagesOfB: stages);
        var rtcp = new List<byte[]>();
        using var rtcpArrived = new SemaphoreSlim(0);
        peers.DropBtoA = datagram =>
        {
            if (datagram.Length > 12 && datagram[0] is >= 128 and <= 191 && datagram[1] is >= 192 and <= 223)
            {
                lock (rtcp)
                {
                    rtcp.Add(datagram);
                }

                rtcpArrived.Release();
                return true;
            }

            return false;
        };
        var frame = InMemoryPeers.SyntheticVp8KeyFrame(1, 3400);
        const int Frames = 1500;
        for (var i = 0; i < Frames; i++)
        {
            peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, i * 3000L, 3000, true));
            if (i % 50 == 49)
            {
                // Spread the frames over B's feedback ticks (60 ms apart), so A gets many feedback packets, not one:
                // after each 50 frames, wait until B sent its next RTCP.
                await peers.ReceivedByB.WaitForAsync(i + 1, PeerHarness.Timeout);
                while (rtcpArrived.CurrentCount > 0)
                {
                    await rtcpArrived.WaitAsync(TestContext.Current.CancellationToken);
                }

                Assert.True(await rtcpArrived.WaitAsync(PeerHarness.Timeout, TestContext.Current.CancellationToken), "B sent no RTCP");
            }
        }

        await peers.ReceivedByB.WaitForAsync(Frames, PeerHarness.Timeout);
        var stage = peers.A.Interceptors.Stages.OfType<CallBot.Rtc.Interceptors.TransportCcInterceptor>().Single();
        byte[][] datagrams;
        lock (rtcp)
        {
            datagrams = [.. rtcp];
        }

        Assert.True(datagrams.Length >= 20, $"{datagrams.Length} RTCP datagrams from B");
        const int WarmUp = 5;
        for (var i = 0; i < WarmUp; i++)
        {
            peers.A.OnRtpDatagram(datagrams[i]);
        }

        var feedbackBefore = stage.FeedbackReceived;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = WarmUp; i < datagrams.Length; i++)
        {
            peers.A.OnRtpDatagram(datagrams[i]);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var feedback = stage.FeedbackReceived - feedbackBefore;
        var reported = (int)(stage.Sent.PacketsSent * (datagrams.Length - WarmUp) / datagrams.Length);
        output.WriteLine($"feedback path: {allocated} B for {datagrams.Length - WarmUp} RTCP datagrams ({feedback} transport-cc feedback packets used, ~{reported} media packets reported); estimate {stage.Estimator.EstimateBitsPerSecond} bit/s");
        Assert.True(feedback >= 10, $"{feedback} feedback packets used");

        // The compounds with B's receiver reports still allocate (the report records: control path, ~1/s); less than one
        // byte per reported media packet rules out anything per packet or per feedback list.
        AllocationAssert.LessThanOneBytePerOperation(allocated, reported, "transport-cc feedback path, reported RTP packets");
    }

    private static bool IsRtp(byte[] datagram) =>
        datagram.Length > 12 && datagram[0] is >= 128 and <= 191 && datagram[1] is < 192 or > 223;

    private static bool IsRtcp(byte[] datagram) =>
        datagram.Length > 12 && datagram[0] is >= 128 and <= 191 && datagram[1] is >= 192 and <= 223;

    private sealed class CountingSink : IEncodedFrameSink
    {
        private readonly object _lock = new();
        private int _count;
        private int _lastThread = -1;
        private long _lastAllocated;

        public volatile bool Measuring;

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _count;
                }
            }
        }

        public long ReceiveLoopAllocated { get; private set; }

        public long ReceiveLoopFramesMeasured { get; private set; }

        public void OnFrame(in EncodedFrame frame)
        {
            // Runs on the receive loop: what that thread allocated since the previous frame on the same thread.
            var now = GC.GetAllocatedBytesForCurrentThread();
            var thread = Environment.CurrentManagedThreadId;
            lock (_lock)
            {
                if (Measuring && thread == _lastThread)
                {
                    ReceiveLoopAllocated += now - _lastAllocated;
                    ReceiveLoopFramesMeasured++;
                }

                _lastThread = thread;
                _count++;
                Monitor.PulseAll(_lock);
            }

            _lastAllocated = GC.GetAllocatedBytesForCurrentThread();
        }

        public void WaitFor(int count, TimeSpan timeout)
        {
            lock (_lock)
            {
                var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
                while (_count < count)
                {
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0 || !Monitor.Wait(_lock, (int)left))
                    {
                        throw new TimeoutException($"{_count} of {count} frames");
                    }
                }
            }
        }
    }
}
