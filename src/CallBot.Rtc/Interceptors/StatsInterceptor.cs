namespace CallBot.Rtc.Interceptors;

/// <summary>
/// The feedback counters of GetStats (inbound nackCount/pliCount, outbound nackCount and keyframe requests received),
/// counted from what the other stages sent and what arrived — last in the chain, so it sees every packet of the batch.
/// </summary>
internal sealed class StatsInterceptor(InterceptorContext context) : Interceptor
{
    public override string Name => InterceptorRegistry.Stats;

    public override void ReadRtcp(IRtcpPacket packet)
    {
        switch (packet)
        {
            case GenericNack nack when context.Streams.TryGetLocal(nack.MediaSsrc, out var nacked):
                nacked.SendStream.CountNackReceived();
                break;
            case PictureLossIndication pli when context.Streams.TryGetLocal(pli.MediaSsrc, out var asked):
                asked.OnKeyFrameRequestReceived();
                break;
            case FullIntraRequest fir:
                foreach (var entry in fir.Entries)
                {
                    if (context.Streams.TryGetLocal(entry.Ssrc, out var firAsked))
                    {
                        firAsked.OnKeyFrameRequestReceived();
                    }
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

        foreach (var packet in batch.Packets)
        {
            switch (packet)
            {
                case GenericNack:
                    stream.NacksSent++;
                    break;
                case PictureLossIndication:
                    stream.PlisSent++;
                    break;
            }
        }
    }
}
