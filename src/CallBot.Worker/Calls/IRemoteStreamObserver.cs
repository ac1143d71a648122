using CallBot.Abstractions;

namespace CallBot.Worker.Calls;

/// <summary>
/// Watches the peer's streams of one connection as they arrive (the load driver's quality measurements): each complete
/// frame on the receive loop, each RTCP sender report. Must not block or allocate per frame.
/// </summary>
public interface IRemoteStreamObserver
{
    void OnRemoteFrame(MediaKind kind, in EncodedFrame frame);

    void OnSenderReport(MediaKind kind, SenderReportSample report);
}
