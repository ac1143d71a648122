using System.Collections.Concurrent;
using System.Globalization;
using CallBot.Signaling.ConnectyCube;

namespace CallBot.Worker.Tests.Fakes;

/// <summary>A peer connection with no network: trivial SDP, one candidate, ICE "connected" as soon as the pair is negotiated.</summary>
internal sealed class FakeCallPeer(CallPeerContext context) : ICallPeerConnection
{
    public CallPeerContext Context { get; } = context;

    public bool Disposed { get; private set; }

    public int MaxBandwidth { get; private set; } = -1;

    public event EventHandler<IceCandidateInit>? LocalCandidate;

    public event EventHandler<PeerIceState>? IceStateChanged;

    public Task<string> CreateOfferAsync(bool iceRestart, CancellationToken cancellationToken)
    {
        LocalCandidate?.Invoke(this, new IceCandidateInit("candidate:1 1 udp 2130706431 127.0.0.1 9 typ host", "0", 0));
        return Task.FromResult(string.Create(CultureInfo.InvariantCulture, $"v=0\r\no=- {Context.LocalUserId} 1 IN IP4 127.0.0.1\r\ns=-\r\n"));
    }

    public Task<string> CreateAnswerAsync(string remoteOfferSdp, CancellationToken cancellationToken)
    {
        IceStateChanged?.Invoke(this, PeerIceState.Checking);
        IceStateChanged?.Invoke(this, PeerIceState.Connected);
        return Task.FromResult(string.Create(CultureInfo.InvariantCulture, $"v=0\r\no=- {Context.LocalUserId} 2 IN IP4 127.0.0.1\r\ns=-\r\n"));
    }

    public Task ApplyAnswerAsync(string remoteAnswerSdp, CancellationToken cancellationToken)
    {
        IceStateChanged?.Invoke(this, PeerIceState.Connected);
        return Task.CompletedTask;
    }

    public Task AddRemoteCandidatesAsync(IReadOnlyList<IceCandidateInit> candidates, CancellationToken cancellationToken) => Task.CompletedTask;

    public void SetMaxBandwidth(int kbps) => MaxBandwidth = kbps;

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

internal sealed class FakeCallPeers : ICallPeerConnectionFactory
{
    private readonly ConcurrentQueue<FakeCallPeer> _created = new();

    public IReadOnlyList<FakeCallPeer> Created => [.. _created];

    public ICallPeerConnection Create(CallPeerContext context)
    {
        var peer = new FakeCallPeer(context);
        _created.Enqueue(peer);
        return peer;
    }
}
