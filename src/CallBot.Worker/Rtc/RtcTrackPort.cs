using CallBot.Abstractions;
using CallBot.Rtc;
using CallBot.Worker.Calls;

namespace CallBot.Worker.Rtc;

/// <summary>An <see cref="RtpTransceiver"/> seen as an <see cref="IMediaTrackPort"/>.</summary>
internal sealed class RtcTrackPort : IMediaTrackPort
{
    private readonly RtpTransceiver _transceiver;
    private EventHandler<SenderReportSample>? _senderReport;
    private EventHandler? _gap;

    public RtcTrackPort(RtpTransceiver transceiver)
    {
        _transceiver = transceiver;
        _transceiver.SenderReportReceived += (_, report) => _senderReport?.Invoke(this, new SenderReportSample(report.NtpTime, report.RtpTimestamp));
        _transceiver.RemoteGap += (_, _) => _gap?.Invoke(this, EventArgs.Empty);
        _transceiver.KeyFrameRequested += (_, _) => KeyFrameRequested?.Invoke(this, EventArgs.Empty);
    }

    public MediaKind Kind => _transceiver.Kind;

    public CodecId? NegotiatedCodec => _transceiver.NegotiatedCodec;

    public IEncodedFrameSink Sender => _transceiver.Sender;

    public IEncodedFrameSink? RemoteFrameSink
    {
        get => _transceiver.RemoteFrameSink;
        set => _transceiver.RemoteFrameSink = value;
    }

    public int TargetBitrateKbps => _transceiver.TargetBitrateKbps;

    public event EventHandler? KeyFrameRequested;

    public event EventHandler<SenderReportSample>? SenderReportReceived
    {
        add => _senderReport += value;
        remove => _senderReport -= value;
    }

    public event EventHandler? RemoteGap
    {
        add => _gap += value;
        remove => _gap -= value;
    }

    public void RequestKeyFrame() => _transceiver.RequestKeyFrame();
}
