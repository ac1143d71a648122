using CallBot.Abstractions;
using CallBot.Worker.Calls;

namespace CallBot.Worker.Tests.Calls;

/// <summary>One m-line without a network: what is "sent" is collected; the test plays the peer's frames and RTCP.</summary>
internal sealed class FakeTrackPort(MediaKind kind, CodecId? codec) : IMediaTrackPort, IEncodedFrameSink
{
    public List<EncodedFrame> Sent { get; } = [];

    public int KeyFrameRequestsSent { get; private set; }

    public MediaKind Kind { get; } = kind;

    public CodecId? NegotiatedCodec { get; set; } = codec;

    public IEncodedFrameSink Sender => this;

    public IEncodedFrameSink? RemoteFrameSink { get; set; }

    public int TargetBitrateKbps { get; set; }

    public event EventHandler? KeyFrameRequested;

    public event EventHandler<SenderReportSample>? SenderReportReceived;

    public event EventHandler? RemoteGap;

    public void OnFrame(in EncodedFrame frame) => Sent.Add(frame with { Data = frame.Data.ToArray() });

    public void RequestKeyFrame() => KeyFrameRequestsSent++;

    public void PeerSends(EncodedFrame frame) => RemoteFrameSink?.OnFrame(frame);

    public void PeerAsksForKeyFrame() => KeyFrameRequested?.Invoke(this, EventArgs.Empty);

    public void PeerSenderReport(ulong ntp, uint rtp) => SenderReportReceived?.Invoke(this, new SenderReportSample(ntp, rtp));

    public void PeerFramesLost() => RemoteGap?.Invoke(this, EventArgs.Empty);
}
