using System.Collections.Concurrent;
using System.Globalization;
using CallBot.Signaling.ConnectyCube;

namespace CallBot.Signaling.Tests.ConnectyCube.Fakes;

/// <summary>A peer connection that records what the session asked of it and lets the test raise candidates and ICE states.</summary>
public sealed class FakePeerConnection(CallPeerContext context) : ICallPeerConnection
{
    private int _offers;
    private readonly ConcurrentQueue<string> _log = new();

    public CallPeerContext Context { get; } = context;
    public List<string> OffersCreated { get; } = [];
    public List<string> RemoteOffers { get; } = [];
    public List<string> AppliedAnswers { get; } = [];
    public List<IceCandidateInit> RemoteCandidates { get; } = [];
    public int MaxBandwidth { get; private set; } = -1;
    public bool Disposed { get; private set; }
    public IReadOnlyCollection<string> Log => _log;

    public event EventHandler<IceCandidateInit>? LocalCandidate;
    public event EventHandler<PeerIceState>? IceStateChanged;

    public bool FailOffers { get; init; }

    public Task<string> CreateOfferAsync(bool iceRestart, CancellationToken cancellationToken)
    {
        if (FailOffers)
        {
            return Task.FromException<string>(new InvalidOperationException("no media"));
        }
        var sdp = string.Create(CultureInfo.InvariantCulture, $"v=0\no=offer {Context.LocalUserId}->{Context.RemoteUserId} #{++_offers}{(iceRestart ? " restart" : "")}\na=setup:actpass\n");
        OffersCreated.Add(sdp);
        _log.Enqueue("offer");
        return Task.FromResult(sdp);
    }

    public Task<string> CreateAnswerAsync(string remoteOfferSdp, CancellationToken cancellationToken)
    {
        RemoteOffers.Add(remoteOfferSdp);
        _log.Enqueue("answer");
        return Task.FromResult(string.Create(CultureInfo.InvariantCulture, $"v=0\no=answer {Context.LocalUserId}->{Context.RemoteUserId} #{RemoteOffers.Count}\na=setup:active\n"));
    }

    public Task ApplyAnswerAsync(string remoteAnswerSdp, CancellationToken cancellationToken)
    {
        AppliedAnswers.Add(remoteAnswerSdp);
        _log.Enqueue("apply-answer");
        return Task.CompletedTask;
    }

    public Task AddRemoteCandidatesAsync(IReadOnlyList<IceCandidateInit> candidates, CancellationToken cancellationToken)
    {
        RemoteCandidates.AddRange(candidates);
        _log.Enqueue("candidates");
        return Task.CompletedTask;
    }

    public void SetMaxBandwidth(int kbps) => MaxBandwidth = kbps;

    public void EmitCandidate(IceCandidateInit candidate) => LocalCandidate?.Invoke(this, candidate);

    public void SetIceState(PeerIceState state) => IceStateChanged?.Invoke(this, state);

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

public sealed class FakePeerFactory : ICallPeerConnectionFactory
{
    private readonly ConcurrentQueue<FakePeerConnection> _created = new();

    /// <summary>Remote users for whom creating an offer fails.</summary>
    public HashSet<int> FailOffersTo { get; } = [];

    public IReadOnlyList<FakePeerConnection> Created => [.. _created];

    public ICallPeerConnection Create(CallPeerContext context)
    {
        var pc = new FakePeerConnection(context) { FailOffers = FailOffersTo.Contains(context.RemoteUserId) };
        _created.Enqueue(pc);
        return pc;
    }

    /// <summary>The latest connection towards that remote user.</summary>
    public FakePeerConnection To(int remoteUserId) => Created.Last(p => p.Context.RemoteUserId == remoteUserId);

    public bool HasTo(int remoteUserId) => Created.Any(p => p.Context.RemoteUserId == remoteUserId);
}
