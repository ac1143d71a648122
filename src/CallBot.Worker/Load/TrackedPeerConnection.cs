using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Rtc;

namespace CallBot.Worker.Load;

/// <summary>The session's peer connection with a <see cref="ConnectionProbe"/> beside it: counts ICE restarts, keeps the final counters.</summary>
internal sealed class TrackedPeerConnection(PeerConnectionAdapter inner, ConnectionProbe probe) : ICallPeerConnection
{
    public event EventHandler<IceCandidateInit>? LocalCandidate
    {
        add => inner.LocalCandidate += value;
        remove => inner.LocalCandidate -= value;
    }

    public event EventHandler<PeerIceState>? IceStateChanged
    {
        add => inner.IceStateChanged += value;
        remove => inner.IceStateChanged -= value;
    }

    public Task<string> CreateOfferAsync(bool iceRestart, CancellationToken cancellationToken)
    {
        if (iceRestart)
        {
            probe.CountIceRestart();
        }

        return inner.CreateOfferAsync(iceRestart, cancellationToken);
    }

    public Task<string> CreateAnswerAsync(string remoteOfferSdp, CancellationToken cancellationToken) => inner.CreateAnswerAsync(remoteOfferSdp, cancellationToken);

    public Task ApplyAnswerAsync(string remoteAnswerSdp, CancellationToken cancellationToken) => inner.ApplyAnswerAsync(remoteAnswerSdp, cancellationToken);

    public Task AddRemoteCandidatesAsync(IReadOnlyList<IceCandidateInit> candidates, CancellationToken cancellationToken) => inner.AddRemoteCandidatesAsync(candidates, cancellationToken);

    public void SetMaxBandwidth(int kbps) => inner.SetMaxBandwidth(kbps);

    public async ValueTask DisposeAsync()
    {
        probe.CaptureRtp();
        await inner.DisposeAsync().ConfigureAwait(false);
        probe.Close();
    }
}
