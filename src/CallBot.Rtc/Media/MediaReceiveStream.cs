using CallBot.Abstractions;
using CallBot.Rtc.Bwe;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Media;

/// <summary>
/// One remote SSRC of a transceiver: jitter buffer + RFC 3550 statistics (<see cref="RtpStreamReceiver"/>) feeding a
/// <see cref="FrameAssembler"/> whose complete frames go to the sink, plus the receive-side interceptor stages the RTCP
/// timer runs for it: <see cref="Nacks"/> (NACK generator), <see cref="KeyFrames"/> (PLI on decoder need) and
/// <see cref="Bandwidth"/> (REMB estimate).
/// Receive loop only (the connection's receive lock covers the timer's calls).
/// </summary>
internal sealed class MediaReceiveStream : IEncodedFrameSink, IDisposable
{
    private readonly RtpStreamReceiver _receiver;
    private readonly FrameAssembler _assembler;
    private readonly IEncodedFrameSink _sink;
    private long _reportedGaps;

    public MediaReceiveStream(uint ssrc, CodecId codec, byte payloadType, RtpStreamReceiverOptions options, IEncodedFrameSink sink, TimeProvider time,
        ReceiveStreamFeedbackOptions feedback)
    {
        Ssrc = ssrc;
        Codec = codec;
        PayloadType = payloadType;
        _sink = sink;
        _assembler = new FrameAssembler(codec, CreateDepacketizer(codec), this);
        _receiver = new RtpStreamReceiver(ssrc, options, _assembler, time);
        KeyFrames = new KeyFrameRequester(time, feedback.KeyFrameRequestInterval, wantedAtStart: codec.Kind() == MediaKind.Video);
        Nacks = new NackGenerator(time, feedback.NackInterval);
        Bandwidth = new ReceiveBandwidthEstimator(time);
        _assembler.KeyFrameNeeded += KeyFrames.OnKeyFrameNeeded;
    }

    public uint Ssrc { get; }

    public CodecId Codec { get; }

    public byte PayloadType { get; }

    public RtpStreamReceiver Receiver => _receiver;

    public FrameAssembler Assembler => _assembler;

    public KeyFrameRequester KeyFrames { get; }

    public NackGenerator Nacks { get; }

    public ReceiveBandwidthEstimator Bandwidth { get; }

    public long PlisSent => KeyFrames.PlisSent;

    public long NacksSent => Nacks.NacksSent;

    public long FramesDelivered { get; private set; }

    public void OnFrame(in EncodedFrame frame)
    {
        FramesDelivered++;
        if (frame.IsKeyFrame)
        {
            KeyFrames.OnKeyFrame();
        }

        _sink.OnFrame(frame);
    }

    public bool Receive(ReadOnlySpan<byte> packet, out RtpDropReason reason) => _receiver.Receive(packet, out reason);

    public bool ReceiveRtx(ReadOnlySpan<byte> packet, out RtpDropReason reason) => _receiver.ReceiveRtx(packet, PayloadType, out reason);

    /// <summary>True once per new loss event (the assembler saw a gap since the last call).</summary>
    public bool TakeNewGap(out long packetsMissing, out long framesDropped)
    {
        packetsMissing = _assembler.PacketsMissing;
        framesDropped = _assembler.FramesDropped;
        if (_assembler.Gaps == _reportedGaps)
        {
            return false;
        }

        _reportedGaps = _assembler.Gaps;
        return true;
    }

    public void OnSenderReport(SenderReport report) => _receiver.OnSenderReport(report);

    public void Dispose() => _assembler.Dispose();

    private static IDepacketizer CreateDepacketizer(CodecId codec) => codec switch
    {
        CodecId.Opus => new OpusDepacketizer(),
        CodecId.Vp8 => new Vp8Depacketizer(),
        CodecId.H264 => new H264Depacketizer(),
        _ => throw new ArgumentOutOfRangeException(nameof(codec)),
    };
}

/// <summary>Timing of a receive stream's feedback stages.</summary>
internal readonly record struct ReceiveStreamFeedbackOptions(TimeSpan NackInterval, TimeSpan KeyFrameRequestInterval);
