using System.Collections.Concurrent;
using System.Globalization;
using CallBot.Signaling.ConnectyCube;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>Fake peer connections that connect on the first offer/answer and then stay in whatever state the test raises (restarts never help).</summary>
internal sealed class StallablePeers : ICallPeerConnectionFactory
{
    private readonly ConcurrentQueue<Peer> _created = new();

    public IReadOnlyList<Peer> Created => [.. _created];

    public ICallPeerConnection Create(CallPeerContext context)
    {
        var peer = new Peer(context);
        _created.Enqueue(peer);
        return peer;
    }

    internal sealed class Peer(CallPeerContext context) : ICallPeerConnection
    {
        private int _negotiations;
        private int _restartOffers;

        public CallPeerContext Context { get; } = context;

        public int RestartOffers => Volatile.Read(ref _restartOffers);

        public event EventHandler<IceCandidateInit>? LocalCandidate
        {
            add { }
            remove { }
        }

        public event EventHandler<PeerIceState>? IceStateChanged;

        public void Raise(PeerIceState state) => IceStateChanged?.Invoke(this, state);

        public Task<string> CreateOfferAsync(bool iceRestart, CancellationToken cancellationToken)
        {
            if (iceRestart)
            {
                Interlocked.Increment(ref _restartOffers);
            }

            return Task.FromResult(Sdp(1));
        }

        public Task<string> CreateAnswerAsync(string remoteOfferSdp, CancellationToken cancellationToken)
        {
            ConnectOnce();
            return Task.FromResult(Sdp(2));
        }

        public Task ApplyAnswerAsync(string remoteAnswerSdp, CancellationToken cancellationToken)
        {
            ConnectOnce();
            return Task.CompletedTask;
        }

        public Task AddRemoteCandidatesAsync(IReadOnlyList<IceCandidateInit> candidates, CancellationToken cancellationToken) => Task.CompletedTask;

        public void SetMaxBandwidth(int kbps)
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private void ConnectOnce()
        {
            if (Interlocked.Increment(ref _negotiations) == 1)
            {
                IceStateChanged?.Invoke(this, PeerIceState.Connected);
            }
        }

        private string Sdp(int version) => string.Create(CultureInfo.InvariantCulture, $"v=0\r\no=- {Context.LocalUserId} {version} IN IP4 127.0.0.1\r\ns=-\r\n");
    }
}
