using System.Collections.Concurrent;
using System.Net;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Tests.Payloads;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>Media must start on a lossy link even when the very first packets of a stream never arrive.</summary>
public sealed class MediaStartUnderLossTests
{
    private static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress AddressB = IPAddress.Parse("10.0.0.2");

    [Fact]
    public async Task Audio_and_video_start_although_the_first_rtp_and_rtcp_packets_of_each_are_lost()
    {
        // A → B: the first 3 RTP packets of every payload type (Opus, VP8) and A's first 2 SRTCP packets are lost;
        // B → A: B's first 2 SRTCP packets (its first keyframe request among them) are lost. The first VP8 frame is a
        // keyframe, so the receiver must ask for another one, and ask again.
        const int RtcpFromA = 1000, RtcpFromB = 1001;
        var network = new InMemoryNetwork();
        var seenPerType = new ConcurrentDictionary<int, int>();
        network.DropWhen = (from, _, data) =>
        {
            var packet = data.Span;
            if (packet.Length < 12 || packet[0] < 128 || packet[0] > 191)
            {
                return false; // STUN and DTLS pass
            }

            var fromA = from.Address.Equals(AddressA);
            var rtcp = packet[1] is >= 192 and <= 223; // RFC 5761 §4: RTCP by packet type
            if (!fromA && !rtcp)
            {
                return false;
            }

            var type = rtcp ? (fromA ? RtcpFromA : RtcpFromB) : packet[1] & 0x7F;
            return seenPerType.AddOrUpdate(type, 1, (_, n) => n + 1) <= (rtcp ? 2 : 3);
        };
        await using var a = Create(network.AddHost(AddressA));
        await using var b = Create(network.AddHost(AddressB));
        var audioA = a.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        var videoA = a.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var audioB = b.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        var videoB = b.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var audioAtB = new FrameCollector();
        var videoAtB = new FrameCollector();
        audioB.RemoteFrameSink = audioAtB;
        videoB.RemoteFrameSink = videoAtB;
        var keyFrameRequests = 0;
        var frameIndex = 0L;
        videoA.KeyFrameRequested += (_, _) =>
        {
            // What a bot's media clock does on PLI: the next frame it sends is a keyframe.
            Interlocked.Increment(ref keyFrameRequests);
            var index = Interlocked.Increment(ref frameIndex);
            videoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, InMemoryPeers.SyntheticVp8KeyFrame((int)index, 3000), index * 3000, 3000, true));
        };
        PeerHarness.Trickle(a, b);
        PeerHarness.Trickle(b, a);
        var connectedA = PeerHarness.WaitForStateAsync(a, PeerConnectionState.Connected);
        var connectedB = PeerHarness.WaitForStateAsync(b, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(a, b);
        await connectedA;
        await connectedB;

        var opus = FfmpegSamples.OpusPackets;
        // A keyframe (3 packets: all lost) and the delta frames after it, as a sender's clock would go on sending them.
        videoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, InMemoryPeers.SyntheticVp8KeyFrame(0, 3000), 0, 3000, true));
        for (var i = 1; i <= 5; i++)
        {
            var index = Interlocked.Increment(ref frameIndex);
            videoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, DeltaFrame((int)index), index * 3000, 3000, false));
        }

        for (var i = 0; i < opus.Count; i++)
        {
            audioA.Sender.OnFrame(new EncodedFrame(CodecId.Opus, opus[i], i * 960L, 960, true));
        }

        // Everything but the 3 lost packets (one Opus frame each) of the audio arrives; video starts with the keyframe
        // sent in answer to the receiver's request.
        await audioAtB.WaitForAsync(opus.Count - 3, PeerHarness.Timeout);
        await videoAtB.WaitForAsync(1, PeerHarness.Timeout);
        Assert.True(videoAtB.Frames[0].IsKeyFrame, "a delta frame was delivered without its keyframe");
        Assert.True(Volatile.Read(ref keyFrameRequests) >= 1, "the receiver should have asked for a keyframe");
        var rtpTypes = seenPerType.Where(kv => kv.Key < RtcpFromA).ToList();
        Assert.True(rtpTypes.Count >= 2, "both the Opus and the VP8 payload type should have been seen");
        Assert.All(rtpTypes, kv => Assert.True(kv.Value > 3, $"payload type {kv.Key}: only {kv.Value} packets, so not all of its first 3 were lost before media flowed"));
        Assert.True(seenPerType.GetValueOrDefault(RtcpFromB) > 2, "B's first 2 SRTCP packets should have been lost before video started");
    }

    /// <summary>A VP8 interframe (frame tag P = 1, shown) of one packet.</summary>
    private static byte[] DeltaFrame(int index)
    {
        var frame = new byte[400];
        frame[0] = 0x11;
        frame[1] = (byte)index;
        return frame;
    }

    private static RtcPeerConnection Create(IDatagramSocketFactory sockets) => new(
        new PeerConnectionOptions { Ice = new IceOptions { IncludeIPv6 = false, AllowPrivateRemoteCandidates = true }, SocketFactory = sockets },
        PeerHarness.Certificate, TimeProvider.System, NullLoggerFactory.Instance);
}
