using CallBot.Abstractions;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtcp;
using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Media;

/// <summary>
/// One remote SSRC of a transceiver: jitter buffer + RFC 3550 statistics (<see cref="RtpStreamReceiver"/>) feeding a
/// <see cref="FrameAssembler"/> whose complete frames go to <see cref="FrameSink"/>. Tracks what the RTCP side must ask
/// for: a keyframe (PLI, repeated until the first keyframe) and missing sequence numbers (NACK).
/// Receive loop only (the connection's receive lock covers the timer's calls).
/// </summary>
internal sealed class MediaReceiveStream : IEncodedFrameSink, IDisposable
{
    private readonly RtpStreamReceiver _receiver;
    private readonly FrameAssembler _assembler;
    private readonly IEncodedFrameSink _sink;
    private long _reportedGaps;
    private long _lastKeyFrameRequest = long.MinValue;

    public MediaReceiveStream(uint ssrc, CodecId codec, byte payloadType, RtpStreamReceiverOptions options, IEncodedFrameSink sink, TimeProvider time)
    {
        Ssrc = ssrc;
        Codec = codec;
        PayloadType = payloadType;
        _sink = sink;
        _assembler = new FrameAssembler(codec, CreateDepacketizer(codec), this);
        _receiver = new RtpStreamReceiver(ssrc, options, _assembler, time);
        _assembler.KeyFrameNeeded += () => KeyFrameWanted = true;
        KeyFrameWanted = codec.Kind() == MediaKind.Video;
    }

    public uint Ssrc { get; }

    public CodecId Codec { get; }

    public byte PayloadType { get; }

    public RtpStreamReceiver Receiver => _receiver;

    public FrameAssembler Assembler => _assembler;

    /// <summary>True while the video decoder side has no usable reference (before the first keyframe, after loss).</summary>
    public bool KeyFrameWanted { get; private set; }

    public long PlisSent { get; private set; }

    public long NacksSent { get; private set; }

    public long FramesDelivered { get; private set; }

    public void OnFrame(in EncodedFrame frame)
    {
        FramesDelivered++;
        if (frame.IsKeyFrame)
        {
            KeyFrameWanted = false;
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

    /// <summary>Whether a PLI is due now (a keyframe is wanted and the last request is older than <paramref name="interval"/>).</summary>
    public bool ShouldRequestKeyFrame(long now, TimeSpan interval, TimeProvider time)
    {
        if (!KeyFrameWanted || _receiver.PacketsReceived == 0)
        {
            return false;
        }

        if (_lastKeyFrameRequest != long.MinValue && time.GetElapsedTime(_lastKeyFrameRequest, now) < interval)
        {
            return false;
        }

        _lastKeyFrameRequest = now;
        PlisSent++;
        return true;
    }

    public void OnNackSent() => NacksSent++;

    /// <summary>Rate limit for NACKs: at most one per <paramref name="interval"/>.</summary>
    public bool ShouldNack(long now, TimeSpan interval, TimeProvider time)
    {
        if (_lastNack != long.MinValue && time.GetElapsedTime(_lastNack, now) < interval)
        {
            return false;
        }

        _lastNack = now;
        return true;
    }

    private long _lastNack = long.MinValue;

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
