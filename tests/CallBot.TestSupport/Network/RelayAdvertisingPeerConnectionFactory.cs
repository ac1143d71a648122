using System.Globalization;
using System.Net;
using CallBot.Signaling.ConnectyCube;

namespace CallBot.TestSupport.Network;

/// <summary>
/// Puts a <c>UdpImpairmentRelay</c> between two bots: every UDP candidate this bot announces (trickled, or inside its
/// offer/answer SDP) names <paramref name="advertised"/> — the relay port that forwards to this bot — instead of the
/// bot's own socket. The peer then sends only to the relay; its checks reach us from the relay's other port, which our
/// ICE agent learns as peer-reflexive, so STUN, DTLS and SRTP all cross the impairments. TCP candidates are withheld.
/// <paramref name="advertised"/> is read when a connection is created, so a benchmark can give every call its own relay.
/// Stats stay with the inner factory (the bot's stats source is that factory, not this wrapper).
/// </summary>
public sealed class RelayAdvertisingPeerConnectionFactory(ICallPeerConnectionFactory inner, Func<IPEndPoint> advertised) : ICallPeerConnectionFactory
{
    public ICallPeerConnection Create(CallPeerContext context) => new Connection(inner.Create(context), advertised());

    /// <summary>
    /// <c>candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE ...</c> (RFC 8839 §5.1) with ADDRESS and
    /// PORT replaced; null for a non-UDP candidate.
    /// </summary>
    public static string? Rewrite(string candidate, IPEndPoint to)
    {
        var fields = candidate.Split(' ');
        if (fields.Length < 8 || !fields[2].Equals("udp", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        fields[4] = to.Address.ToString();
        fields[5] = to.Port.ToString(CultureInfo.InvariantCulture);
        return string.Join(' ', fields);
    }

    private static string RewriteSdp(string sdp, IPEndPoint to)
    {
        const string Prefix = "a=";
        var lines = sdp.Split("\r\n");
        var kept = new List<string>(lines.Length);
        foreach (var line in lines)
        {
            if (line.StartsWith("a=candidate:", StringComparison.Ordinal))
            {
                if (Rewrite(line[Prefix.Length..], to) is { } rewritten)
                {
                    kept.Add(Prefix + rewritten);
                }

                continue;
            }

            kept.Add(line);
        }

        return string.Join("\r\n", kept);
    }

    private sealed class Connection : ICallPeerConnection
    {
        private readonly ICallPeerConnection _inner;
        private readonly IPEndPoint _advertised;

        public Connection(ICallPeerConnection inner, IPEndPoint advertised)
        {
            _inner = inner;
            _advertised = advertised;
            _inner.LocalCandidate += OnLocalCandidate;
            _inner.IceStateChanged += OnIceStateChanged;
        }

        public event EventHandler<IceCandidateInit>? LocalCandidate;

        public event EventHandler<PeerIceState>? IceStateChanged;

        public async Task<string> CreateOfferAsync(bool iceRestart, CancellationToken cancellationToken) =>
            RewriteSdp(await _inner.CreateOfferAsync(iceRestart, cancellationToken), _advertised);

        public async Task<string> CreateAnswerAsync(string remoteOfferSdp, CancellationToken cancellationToken) =>
            RewriteSdp(await _inner.CreateAnswerAsync(remoteOfferSdp, cancellationToken), _advertised);

        public Task ApplyAnswerAsync(string remoteAnswerSdp, CancellationToken cancellationToken) => _inner.ApplyAnswerAsync(remoteAnswerSdp, cancellationToken);

        public Task AddRemoteCandidatesAsync(IReadOnlyList<IceCandidateInit> candidates, CancellationToken cancellationToken) =>
            _inner.AddRemoteCandidatesAsync(candidates, cancellationToken);

        public void SetMaxBandwidth(int kbps) => _inner.SetMaxBandwidth(kbps);

        public async ValueTask DisposeAsync()
        {
            _inner.LocalCandidate -= OnLocalCandidate;
            _inner.IceStateChanged -= OnIceStateChanged;
            await _inner.DisposeAsync();
        }

        private void OnLocalCandidate(object? sender, IceCandidateInit candidate)
        {
            if (Rewrite(candidate.Candidate, _advertised) is { } rewritten)
            {
                LocalCandidate?.Invoke(this, candidate with { Candidate = rewritten });
            }
        }

        private void OnIceStateChanged(object? sender, PeerIceState state) => IceStateChanged?.Invoke(this, state);
    }
}
