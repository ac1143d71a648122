using CallBot.Rtc.Media;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// Generic NACK both ways (RFC 4585 §6.2.1): as a receiver, a <see cref="NackGenerator"/> per remote stream asks for
/// what the jitter buffer still waits for (when <c>nack</c> was negotiated for its codec); as a sender, a NACK about one of
/// our SSRCs is answered from the stream's history (<see cref="Rtp.RtpStreamSender.OnNack"/>, as RTX when negotiated).
/// </summary>
internal sealed class NackInterceptor(InterceptorContext context) : Interceptor
{
    /// <summary>Sequence numbers per NACK packet at most (the generator asks again next interval for the rest).</summary>
    private const int MaxNackBatch = 64;

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(40);

    /// <summary>The round trip assumed until a report measures one (Chrome's default), so a retry does not go out before the retransmission could arrive.</summary>
    private static readonly TimeSpan DefaultRoundTrip = TimeSpan.FromMilliseconds(100);
    private static readonly string[] Feedback = [SdpRtcpFeedback.Nack];

    private readonly Dictionary<MediaReceiveStream, NackGenerator> _generators = [];
    private readonly ushort[] _missing = new ushort[MaxNackBatch];

    public override string Name => InterceptorRegistry.Nack;

    public override IReadOnlyList<string> RtcpFeedback => Feedback;

    public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
    {
        _generators[stream] = new NackGenerator(context.Time, Interval);
        return reader;
    }

    public override void UnbindRemoteStream(MediaReceiveStream stream) => _generators.Remove(stream);

    public override void ReadRtcp(IRtcpPacket packet)
    {
        if (packet is GenericNack nack && context.Streams.TryGetLocal(nack.MediaSsrc, out var transceiver))
        {
            transceiver.SendStream.OnNack(nack);
        }
    }

    public override void WriteRtcp(RtcpBatch batch)
    {
        if (batch.Stream is not { } stream || !batch.Negotiated(SdpRtcpFeedback.Nack) || !_generators.TryGetValue(stream, out var generator))
        {
            return;
        }

        generator.RoundTripTime = batch.Transceiver.RoundTripTime ?? DefaultRoundTrip;
        var count = generator.Collect(stream.Receiver, _missing);
        if (count > 0)
        {
            batch.Packets.Add(GenericNack.FromSequenceNumbers(batch.Transceiver.Ssrc, stream.Ssrc, _missing.AsSpan(0, count)));
        }
    }

    public override void Close() => _generators.Clear();
}
