namespace CallBot.Rtc.Interceptors;

/// <summary>
/// Keyframe requests both ways: as a receiver, a <see cref="KeyFrameRequester"/> per video stream sends PLI until the
/// first keyframe, after a loss the assembler could not repair, or when the application asks
/// (<see cref="RtpTransceiver.RequestKeyFrame"/>); as a sender, a PLI or FIR (RFC 5104 §4.3.1) about one of our SSRCs
/// raises <see cref="RtpTransceiver.KeyFrameRequested"/>.
/// </summary>
internal sealed class KeyFrameInterceptor(InterceptorContext context) : Interceptor
{
    private static readonly string[] Feedback = ["nack pli", "ccm fir"];

    private readonly Dictionary<MediaReceiveStream, KeyFrameRequester> _requesters = [];

    public override string Name => InterceptorRegistry.KeyFrame;

    public override IReadOnlyList<string> RtcpFeedback => Feedback;

    public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
    {
        if (stream.Codec.Kind() == MediaKind.Video)
        {
            var requester = new KeyFrameRequester(context.Time, context.Options.KeyFrameRequestInterval, wantedAtStart: true);
            stream.Assembler.KeyFrameNeeded += requester.OnKeyFrameNeeded;
            stream.KeyFrameDelivered += requester.OnKeyFrame;
            _requesters[stream] = requester;
        }

        return reader;
    }

    public override void UnbindRemoteStream(MediaReceiveStream stream)
    {
        if (_requesters.Remove(stream, out var requester))
        {
            stream.Assembler.KeyFrameNeeded -= requester.OnKeyFrameNeeded;
            stream.KeyFrameDelivered -= requester.OnKeyFrame;
        }
    }

    public override void ReadRtcp(IRtcpPacket packet)
    {
        switch (packet)
        {
            case PictureLossIndication pli:
                OnRequest(pli.MediaSsrc);
                break;
            case FullIntraRequest fir:
                foreach (var entry in fir.Entries)
                {
                    OnRequest(entry.Ssrc);
                }

                break;
        }
    }

    public override void WriteRtcp(RtcpBatch batch)
    {
        if (batch.Stream is not { } stream)
        {
            return;
        }

        var transceiver = batch.Transceiver;
        var forced = transceiver.KeyFrameRequestPending;
        transceiver.KeyFrameRequestPending = false;
        if (_requesters.TryGetValue(stream, out var requester) && requester.ShouldRequest(stream.Receiver.PacketsReceived > 0, forced))
        {
            batch.Packets.Add(new PictureLossIndication(transceiver.Ssrc, stream.Ssrc));
        }
    }

    public override void Close() => _requesters.Clear();

    private void OnRequest(uint mediaSsrc)
    {
        if (context.Streams.TryGetLocal(mediaSsrc, out var transceiver))
        {
            context.Post(transceiver.RaiseKeyFrameRequested);
        }
    }
}
