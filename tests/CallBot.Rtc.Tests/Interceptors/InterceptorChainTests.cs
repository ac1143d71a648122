using CallBot.Abstractions;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Media;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Tests.PeerConnection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Interceptors;

/// <summary>The stage contract and the registry: which stages run, in which order, through each chain, and what Close unbinds.</summary>
public sealed class InterceptorChainTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _log = [];

    [Fact]
    public void The_registry_runs_the_enabled_stages_in_its_own_order_whatever_the_configured_order()
    {
        var chain = new InterceptorChain(Context(["stats", "NACK", "report"]));

        Assert.Equal(["nack", "report", "stats"], chain.Stages.Select(s => s.Name));
        Assert.Equal(["nack"], chain.RtcpFeedback); // only the enabled stages' rtcp-fb is negotiated
    }

    [Fact]
    public void By_default_every_stage_but_the_pacer_runs_and_their_feedback_is_what_Chrome_offers_for_video()
    {
        var chain = new InterceptorChain(Context(new PeerConnectionOptions().Interceptors));

        Assert.Equal(["nack", "keyframe", "report", "remb", "transport-cc", "fec", "stats"], chain.Stages.Select(s => s.Name));
        Assert.Equal(["nack", "keyframe", "report", "remb", "transport-cc", "pacer", "fec", "stats"], InterceptorRegistry.Names);
        Assert.Equal(["ccm fir", "goog-remb", "nack", "nack pli", "transport-cc"], chain.RtcpFeedback.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_unknown_stage_name_fails_when_the_connection_is_built()
    {
        var options = new PeerConnectionOptions { Interceptors = ["nack", "flexfec"] };

        var error = Assert.Throws<ArgumentException>(() => new RtcPeerConnection(options, PeerHarness.Certificate, _time, NullLoggerFactory.Instance));

        Assert.Contains("'flexfec'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_chain_hands_every_packet_of_a_compound_to_every_stage_in_order_and_counts_what_does_not_parse()
    {
        var chain = Chain("a", "b");
        var compound = new byte[256];
        var length = Write(compound, new SenderReport { Ssrc = 1 }, new PictureLossIndication(1, 2));

        chain.ReadRtcp(compound.AsSpan(0, length));
        chain.ReadRtcp(compound.AsSpan(0, length - 3)); // the PLI is cut short

        Assert.Equal(["a:read SenderReport", "b:read SenderReport", "a:read PictureLossIndication", "b:read PictureLossIndication",
            "a:read SenderReport", "b:read SenderReport"], _log);
        Assert.Equal(1, chain.RtcpDropped);
    }

    [Fact]
    public void Writer_chain_lets_each_stage_see_what_the_earlier_ones_added()
    {
        var chain = Chain("a", "b");
        var transceiver = Transceiver();

        var packets = chain.WriteRtcp(transceiver, null, reportDue: true, maxBandwidthKbps: 0);

        Assert.Equal(["a:write saw 0 due=True", "b:write saw 1 due=True"], _log);
        Assert.Equal(2, packets.Count);
        Assert.All(packets, p => Assert.IsType<PictureLossIndication>(p));
    }

    [Fact]
    public void Bound_streams_pass_through_the_wrappers_the_last_stage_outermost_as_in_Pion()
    {
        var chain = Chain("a", "b");
        var transceiver = Transceiver();
        using var stream = Stream();

        chain.BindRemoteStream(transceiver, stream);
        chain.BindLocalStream(transceiver);
        chain.BindLocalStream(transceiver); // once per transceiver
        Assert.True(stream.Reader(Packet(1), out _));
        transceiver.SendStream.Writer(Packet(1));

        Assert.Equal(["a:bind remote", "b:bind remote", "a:bind local", "b:bind local", "b:reader", "a:reader", "b:writer", "a:writer"], _log);
        Assert.Equal(1, stream.Receiver.PacketsReceived); // the chain ends in the jitter buffer
    }

    [Fact]
    public void Close_unbinds_every_stream_then_closes_every_stage_and_binds_nothing_afterwards()
    {
        var chain = Chain("a", "b");
        var transceiver = Transceiver();
        using var stream = Stream();
        using var late = Stream();
        chain.BindRemoteStream(transceiver, stream);
        chain.BindLocalStream(transceiver);
        _log.Clear();

        chain.Close();
        chain.Close();
        chain.BindRemoteStream(transceiver, late);

        Assert.Equal(["a:unbind remote", "b:unbind remote", "a:unbind local", "b:unbind local", "a:close", "b:close"], _log);
        Assert.Equal(transceiver.SendStream.SendToSession, transceiver.SendStream.Writer);
        Assert.Empty(chain.WriteRtcp(transceiver, null, reportDue: true, maxBandwidthKbps: 0));
    }

    [Fact]
    public void A_replaced_remote_stream_is_unbound_from_the_real_stages_and_stops_asking_for_keyframes()
    {
        var chain = new InterceptorChain(Context(new PeerConnectionOptions().Interceptors));
        var transceiver = Transceiver();
        using var stream = Stream();
        chain.BindRemoteStream(transceiver, stream);
        stream.Reader(Packet(1), out _);
        Assert.Contains(chain.WriteRtcp(transceiver, stream, reportDue: false, maxBandwidthKbps: 0), p => p is PictureLossIndication);
        Assert.Equal(1, stream.PlisSent); // the stats stage counted it

        chain.UnbindRemoteStream(stream);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(chain.WriteRtcp(transceiver, stream, reportDue: false, maxBandwidthKbps: 0));
    }

    private InterceptorContext Context(IReadOnlyList<string> stages) =>
        new(new PeerConnectionOptions { Interceptors = stages }, _time, new RtpDemux(), static raise => raise(), "cname");

    private InterceptorChain Chain(params string[] names) =>
        new(Context([]), [.. names.Select(n => (IInterceptor)new RecordingStage(n, _log))]);

    private RtpTransceiver Transceiver() => new(MediaKind.Video, TransceiverDirection.SendRecv, 11, 12, "s", "t", _time);

    private MediaReceiveStream Stream() =>
        new(22, CodecId.Vp8, 96, nack: true, TimeSpan.FromMilliseconds(150), new NullSink(), _time);

    private static byte[] Packet(ushort sequence)
    {
        var packet = new byte[20];
        packet[0] = 0x80;
        packet[1] = 96;
        packet[2] = (byte)(sequence >> 8);
        packet[3] = (byte)sequence;
        packet[11] = 22; // SSRC 22
        packet[12] = 0x10; // VP8 descriptor: start of partition
        return packet;
    }

    private static int Write(byte[] buffer, params IRtcpPacket[] packets)
    {
        var offset = 0;
        foreach (var packet in packets)
        {
            Assert.True(packet.TryWrite(buffer.AsSpan(offset), out var written));
            offset += written;
        }

        return offset;
    }

    private sealed class RecordingStage(string name, List<string> log) : Interceptor
    {
        public override string Name => name;

        public override RtpPacketHandler BindLocalStream(RtpTransceiver transceiver, RtpPacketHandler writer)
        {
            log.Add($"{name}:bind local");
            return packet =>
            {
                log.Add($"{name}:writer");
                writer(packet);
            };
        }

        public override void UnbindLocalStream(RtpTransceiver transceiver) => log.Add($"{name}:unbind local");

        public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
        {
            log.Add($"{name}:bind remote");
            return (ReadOnlySpan<byte> packet, out RtpDropReason reason) =>
            {
                log.Add($"{name}:reader");
                return reader(packet, out reason);
            };
        }

        public override void UnbindRemoteStream(MediaReceiveStream stream) => log.Add($"{name}:unbind remote");

        public override void ReadRtcp(IRtcpPacket packet) => log.Add($"{name}:read {packet.GetType().Name}");

        public override void WriteRtcp(RtcpBatch batch)
        {
            log.Add($"{name}:write saw {batch.Packets.Count} due={batch.ReportDue}");
            batch.Packets.Add(new PictureLossIndication(batch.Transceiver.Ssrc, 22));
        }

        public override void Close() => log.Add($"{name}:close");
    }

    private sealed class NullSink : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame)
        {
        }
    }
}
