using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Payloads;

namespace CallBot.Rtc.Media;

/// <summary>
/// One remote SSRC of a transceiver: jitter buffer + RFC 3550 statistics (<see cref="RtpStreamReceiver"/>) feeding a
/// <see cref="FrameAssembler"/> whose complete frames go to the sink. The media stages that watch it (NACK, PLI, REMB,
/// reports) keep their own state per stream (<see cref="InterceptorChain"/>); packets reach it through
/// <see cref="Reader"/>, the stages' reader chain ending in <see cref="Receive"/>.
/// Receive loop only (the connection's receive lock covers the timer's calls).
/// </summary>
internal sealed class MediaReceiveStream : IEncodedFrameSink, IDisposable
{
    private readonly RtpStreamReceiver _receiver;
    private readonly FrameAssembler _assembler;
    private readonly IEncodedFrameSink _sink;
    private long _reportedGaps;

    /// <summary>
    /// How long a stream without <c>nack</c> holds packets behind a gap. Nothing will retransmit them (audio: Opus offers no
    /// nack, as in Chrome; video when nack was not negotiated), so waiting as long as a NACK repair takes
    /// (<see cref="NackGenerator.GapWait"/>) only delays every packet after each loss: at 5 % loss and 150 ms one way it put ~150 ms on the median audio delay.
    /// Two 20 ms audio packets' worth covers reordering, an audio RED block (it arrives with the next packet) and a
    /// ULPFEC packet (it closes its group within the frame).
    /// </summary>
    public static readonly TimeSpan ReorderGapWait = TimeSpan.FromMilliseconds(40);

    /// <param name="nack">Whether <c>nack</c> was negotiated for the stream's codec: sets <see cref="Nack"/> and the first gap wait.</param>
    /// <param name="nackGapWait">The gap wait while NACK may repair (the configured MaxGapWait; the nack stage sets it from the RTT).</param>
    public MediaReceiveStream(uint ssrc, CodecId codec, byte payloadType, bool nack, TimeSpan nackGapWait, IEncodedFrameSink sink, TimeProvider time)
    {
        Ssrc = ssrc;
        Codec = codec;
        PayloadType = payloadType;
        Nack = nack;
        _sink = sink;
        _assembler = new FrameAssembler(codec, RtpCodecs.CreateDepacketizer(codec), this);
        var options = new RtpStreamReceiverOptions { ClockRate = codec.ClockRate(), MaxGapWait = nack ? nackGapWait : ReorderGapWait };
        _receiver = new RtpStreamReceiver(ssrc, options, _assembler, time);
        Reader = Receive;
    }

    /// <summary>A keyframe was delivered (the keyframe stage stops asking for one).</summary>
    public event Action? KeyFrameDelivered;

    public uint Ssrc { get; }

    public CodecId Codec { get; }

    public byte PayloadType { get; }

    /// <summary>
    /// Whether <c>nack</c> was negotiated for this stream: only then may a gap be repaired by a retransmission, so only
    /// then does it wait for one (the nack stage sets <see cref="NackGenerator.GapWait"/> of the RTT: four NACK rounds, ≤ 1 s);
    /// otherwise gaps wait <see cref="ReorderGapWait"/>.
    /// </summary>
    public bool Nack { get; }

    public RtpStreamReceiver Receiver => _receiver;

    public FrameAssembler Assembler => _assembler;

    /// <summary>Where the receive loop hands this stream's media packets (set when the stream is bound).</summary>
    public RtpPacketReader Reader { get; set; }

    /// <summary>PLIs sent for this stream (counted by the stats stage).</summary>
    public long PlisSent { get; set; }

    /// <summary>NACK packets sent for this stream (counted by the stats stage).</summary>
    public long NacksSent { get; set; }

    /// <summary>ULPFEC packets accepted, packets rebuilt from FEC or audio RED, and RED/FEC packets dropped (the fec stage).</summary>
    public long FecPacketsReceived { get; set; }

    public long FecPacketsRecovered { get; set; }

    public long FecPacketsDiscarded { get; set; }

    public long FramesDelivered { get; private set; }

    public void OnFrame(in EncodedFrame frame)
    {
        FramesDelivered++;
        if (frame.IsKeyFrame)
        {
            KeyFrameDelivered?.Invoke();
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
}
