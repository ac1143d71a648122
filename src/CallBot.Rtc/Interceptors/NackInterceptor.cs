using CallBot.Rtc.Media;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// Generic NACK both ways (RFC 4585 §6.2.1): as a receiver, a <see cref="NackGenerator"/> per remote stream asks for
/// what the jitter buffer still waits for (when <c>nack</c> was negotiated for its codec), and sets how long the jitter
/// buffer waits (<see cref="NackGenerator.GapWait"/> of the round trip); as a sender, a NACK about one of our SSRCs is
/// answered from the stream's history (<see cref="RtpStreamSender.OnNack"/>, as RTX when negotiated).
/// </summary>
/// <remarks>
/// A packet that reveals a new gap (the highest sequence jumps by more than one) makes the stage ask the connection for
/// an early writer run (<see cref="InterceptorContext.RequestRtcp"/>), so the first NACK leaves with that packet's
/// arrival, as libwebrtc's NackRequester sends it, not up to a tick later; retries stay on the timer, a round trip apart.
/// </remarks>
internal sealed class NackInterceptor(InterceptorContext context) : Interceptor
{
    /// <summary>Sequence numbers per NACK packet at most (the rest are asked for at the next run).</summary>
    private const int MaxNackBatch = 64;

    /// <summary>The least time between two asks for one sequence number (the retry spacing until a round trip is measured).</summary>
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(40);

    /// <summary>The round trip assumed until a report or ICE measures one (Chrome's default), so a retry does not go out before the retransmission could arrive.</summary>
    private static readonly TimeSpan DefaultRoundTrip = TimeSpan.FromMilliseconds(100);
    private static readonly string[] Feedback = [SdpRtcpFeedback.Nack];

    private readonly Dictionary<MediaReceiveStream, NackGenerator> _generators = [];
    private readonly ushort[] _missing = new ushort[MaxNackBatch];

    // The latest round trip any transceiver measured: a stream whose own transceiver sends nothing (so gets no report
    // blocks) uses it, as libwebrtc's receive streams use the call's RTT. A connection that sends nothing at all (a
    // recording bot) falls back to the round trip ICE measured: without it the gap wait assumed 100 ms, so at 300 ms
    // RTT a gap was given up (and a keyframe asked for) before its first retransmission could arrive.
    private TimeSpan? _connectionRoundTrip;

    public override string Name => InterceptorRegistry.Nack;

    public override IReadOnlyList<string> RtcpFeedback => Feedback;

    public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
    {
        if (!stream.Nack)
        {
            return reader; // nothing retransmits its gaps: no NACK, and it keeps its short reorder wait (MediaReceiveStream.ReorderGapWait)
        }

        var generator = new NackGenerator(context.Time, RetryInterval);
        _generators[stream] = generator;
        SetRoundTrip(stream, generator, RoundTripOf(transceiver));
        if (context.RequestRtcp is not { } requestRtcp)
        {
            return reader;
        }

        var receiver = stream.Receiver;
        return (ReadOnlySpan<byte> packet, out RtpDropReason reason) =>
        {
            var highest = receiver.ExtendedHighestSequence;
            var started = receiver.PacketsReceived > 0;
            var accepted = reader(packet, out reason);
            if (accepted && started && unchecked(receiver.ExtendedHighestSequence - highest) > 1)
            {
                requestRtcp();
            }

            return accepted;
        };
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
        if (batch.Transceiver.RoundTripTime is { } measured)
        {
            _connectionRoundTrip = measured;
        }

        if (batch.Stream is not { } stream || !batch.Negotiated(SdpRtcpFeedback.Nack) || !_generators.TryGetValue(stream, out var generator))
        {
            return;
        }

        SetRoundTrip(stream, generator, RoundTripOf(batch.Transceiver));
        var count = generator.Collect(stream.Receiver, _missing);
        if (count > 0)
        {
            batch.Packets.Add(GenericNack.FromSequenceNumbers(batch.Transceiver.Ssrc, stream.Ssrc, _missing.AsSpan(0, count)));
        }
    }

    public override void Close() => _generators.Clear();

    private TimeSpan RoundTripOf(RtpTransceiver transceiver) =>
        transceiver.RoundTripTime ?? _connectionRoundTrip ?? context.TransportRoundTrip?.Invoke() ?? DefaultRoundTrip;

    /// <summary>The retry spacing and the jitter buffer's gap wait follow the round trip; the configured MaxGapWait is the floor.</summary>
    private void SetRoundTrip(MediaReceiveStream stream, NackGenerator generator, TimeSpan roundTrip)
    {
        generator.RoundTripTime = roundTrip;
        var wait = NackGenerator.GapWait(roundTrip);
        stream.Receiver.MaxGapWait = wait > context.Options.MaxGapWait ? wait : context.Options.MaxGapWait;
    }
}
