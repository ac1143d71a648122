using CallBot.Abstractions;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Media;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Srtp;
using CallBot.Rtc.Tests.Interceptors;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>The connection's RTCP timer on a fake clock: an early run (the nack stage's first NACK) needs no period to pass.</summary>
public sealed class RtcpTimerTests
{
    private static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task An_early_run_of_the_rtcp_timer_sends_the_nack_without_waiting_for_the_period()
    {
        // The timer's own plumbing: the receive path asks (RunSoon, after its lock), the tick runs at once — on a fake
        // clock, on the caller's thread — and the NACK leaves as SRTCP though no time passed.
        var local = new SrtpContext(SrtpProfile.Aes128CmHmacSha1Tag80, MasterKey, MasterSalt);   // the session disposes both
        var remote = new SrtpContext(SrtpProfile.Aes128CmHmacSha1Tag80, MasterKey, MasterSalt);
        using var peer = new SrtpContext(SrtpProfile.Aes128CmHmacSha1Tag80, MasterKey, MasterSalt);
        var sent = new List<byte[]>();
        using var session = new SrtpSession(
            new DtlsSrtpResult(DtlsRole.Client, SrtpProfile.Aes128CmHmacSha1Tag80, local, remote, PeerHarness.Certificate.Fingerprint, true, 0),
            datagram =>
            {
                sent.Add(datagram.ToArray());
                return true;
            });
        var requested = 0;
        var options = new PeerConnectionOptions { Interceptors = [InterceptorRegistry.Nack] };
        var chain = new InterceptorChain(new InterceptorContext(options, _time, new RtpDemux(), static raise => raise(), "cname", () => requested++));
        var transceivers = new TransceiverList("s", _time);
        var transceiver = transceivers.Add(MediaKind.Video, TransceiverDirection.SendRecv);
        NackRepairTests.Negotiate(transceiver);
        using var stream = new MediaReceiveStream(22, CodecId.Vp8, 96, nack: true, options.MaxGapWait, new NullSink(), _time);
        transceiver.ReceiveStream = stream;
        chain.BindRemoteStream(transceiver, stream);
        await using var timer = new RtcpTimer(_time, NullLogger.Instance, "t", transceivers, chain, new Lock(), () => session, (_, _) => { }, CancellationToken.None);
        Assert.True(timer.Start());

        Assert.True(stream.Reader(Packet(100), out _));
        Assert.True(stream.Reader(Packet(103), out _)); // 101 and 102 are missing
        Assert.Equal(1, requested);
        timer.RunSoon();

        var nack = Assert.Single(sent);
        var buffer = nack.ToArray();
        Assert.True(peer.TryUnprotectRtcp(buffer, buffer.Length, out var length));
        var packets = new List<IRtcpPacket>();
        Assert.True(RtcpPacketParser.TryParseCompound(buffer.AsSpan(0, length), packets, out _));
        var lost = new ushort[8];
        var count = Assert.IsType<GenericNack>(Assert.Single(packets)).CopyLostSequenceNumbers(lost);
        Assert.Equal([101, 102], lost[..count]);
    }

    private static byte[] Packet(ushort sequence)
    {
        var packet = new byte[20];
        new RtpHeader { Ssrc = 22, PayloadType = 96, SequenceNumber = sequence }.TryWrite(packet, out _);
        packet[12] = 0x10; // VP8 descriptor: start of partition
        return packet;
    }

    private sealed class NullSink : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame)
        {
        }
    }
}
