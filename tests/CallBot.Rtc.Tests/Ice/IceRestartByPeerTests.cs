using System.Net;
using System.Security.Cryptography;
using System.Text;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>
/// The peer restarts ICE the way Chromium does under load (docs/reliability.md, the generation-1 bug): its new port sets up
/// its pair with our previous credentials, because our answer with the new ones has not reached it yet, nominates that
/// pair and keeps it; a check of ours naming our new ufrag gets 401 there ("bad remote username" in libwebrtc). We must
/// take the peer's check as a check of the current generation, check back with the ufrag it knows, and select generation 1.
/// </summary>
public sealed class IceRestartByPeerTests
{
    private static readonly IPAddress PeerNewPortAddress = IPAddress.Parse("10.0.0.3");

    [Theory]
    [InlineData(false, false)] // the peer was controlling before; signalling in order
    [InlineData(true, false)]  // we were controlling: the peer's restart makes both controlling, we lose the tie-break
    [InlineData(true, true)]   // ... and the peer's new candidate arrives before its restart offer
    public async Task Peer_restart_checking_with_our_previous_credentials_still_selects_generation_1(bool weWereControlling, bool candidateBeforeOffer)
    {
        await using var net = new FakeIceNetwork(
            weWereControlling ? IceRole.Controlling : IceRole.Controlled,
            weWereControlling ? IceRole.Controlled : IceRole.Controlling);
        net.A.TieBreaker = 1; // below the peer's, so a role conflict makes us controlled
        net.B.TieBreaker = 2;
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.A.SelectedPair is not null, TimeSpan.FromSeconds(5));
        var ourPrevious = net.A.LocalCredentials;
        var ourSocket = new IPEndPoint(FakeIceNetwork.AddressA, net.A.SelectedPair!.LocalEndPoint.Port);

        // The peer's new generation: new credentials and a new port.
        var peer = IceCredentials.Generate();
        using var port = net.Network.AddHost(PeerNewPortAddress).Bind(new IPEndPoint(PeerNewPortAddress, 0));
        using var script = new ChromiumLikePort(port, peer, ourPrevious, tieBreaker: ulong.MaxValue);
        Assert.True(IceCandidate.TryParse(
            $"candidate:1 1 udp 2122260223 {PeerNewPortAddress} {port.LocalEndPoint.Port} typ host ufrag {peer.Ufrag}", out var candidate));
        if (candidateBeforeOffer)
        {
            net.A.AddRemoteCandidate(candidate!); // held: it names a generation not applied yet
        }

        var ours = net.A.Restart(); // the remote offer names new credentials
        net.A.SetRemoteCredentials(peer.Ufrag, peer.Password);
        if (!candidateBeforeOffer)
        {
            net.A.AddRemoteCandidate(candidate!);
        }

        // Until the end, the peer never learns our new credentials: it pings its nominated pair with our previous ones.
        var spent = await net.RunUntilAsync(
            () => net.A.SelectedPair is { Generation: 1 },
            TimeSpan.FromSeconds(10),
            eachStep: () => script.PingWithPreviousCredentials(ourSocket, ourPrevious, nominate: true));

        Assert.Equal(port.LocalEndPoint, net.A.SelectedPair!.RemoteEndPoint);
        Assert.Equal(IceRole.Controlled, net.A.Role);
        Assert.InRange(spent, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.Equal(0, script.ChecksNaming(ours.Ufrag) - script.UnauthorizedAnswers); // every check naming the new ufrag got 401
        Assert.True(script.ChecksNaming(ourPrevious.Ufrag) >= 1);

        // Afterwards the peer keeps its pair: its pings are answered, our consent checks succeed, media stays on generation 1.
        var answered = script.SuccessResponses;
        await net.RunForAsync(TimeSpan.FromSeconds(12), eachStep: () => script.PingWithPreviousCredentials(ourSocket, ourPrevious, nominate: true));
        Assert.True(script.SuccessResponses > answered);
        Assert.Equal(1, net.A.SelectedPair!.Generation);
        Assert.True(net.A.State is IceConnectionState.Connected or IceConnectionState.Completed, $"state {net.A.State}");
    }

    /// <summary>A scripted browser port: answers our first check 401, later ones with success (or 487 while we claim control).</summary>
    private sealed class ChromiumLikePort : IDisposable
    {
        private readonly IDatagramSocket _socket;
        private readonly IceCredentials _credentials;
        private readonly IceCredentials _ourPrevious;
        private readonly ulong _tieBreaker;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly List<string> _usernames = [];
        private int _unauthorized;
        private int _successResponses;
        private int _pings;

        public ChromiumLikePort(IDatagramSocket socket, IceCredentials credentials, IceCredentials ourPrevious, ulong tieBreaker)
        {
            _socket = socket;
            _credentials = credentials;
            _ourPrevious = ourPrevious;
            _tieBreaker = tieBreaker;
            _loop = ReceiveAsync();
        }

        public int UnauthorizedAnswers => Volatile.Read(ref _unauthorized);

        /// <summary>Success responses (signed with our previous password) to the peer's pings.</summary>
        public int SuccessResponses => Volatile.Read(ref _successResponses);

        /// <summary>Our checks whose USERNAME names <paramref name="ourUfrag"/> as the sender.</summary>
        public int ChecksNaming(string ourUfrag)
        {
            lock (_usernames)
            {
                return _usernames.Count(u => u == $"{_credentials.Ufrag}:{ourUfrag}");
            }
        }

        /// <summary>One Binding request every few steps, as controlling, signed with our previous password.</summary>
        public void PingWithPreviousCredentials(IPEndPoint to, IceCredentials ourPrevious, bool nominate)
        {
            if (_pings++ % 5 != 0)
            {
                return;
            }

            var buffer = new byte[256];
            var writer = new StunWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
            writer.AddUsername($"{ourPrevious.Ufrag}:{_credentials.Ufrag}");
            writer.AddPriority(0x6E7F1EFF);
            writer.AddIceControlling(_tieBreaker);
            if (nominate)
            {
                writer.AddUseCandidate();
            }

            writer.AddMessageIntegrity(StunIntegrity.ShortTermKey(ourPrevious.Password));
            writer.AddFingerprint();
            Assert.True(writer.TryComplete(out var length));
            _socket.TrySendTo(buffer.AsSpan(0, length), to.Serialize());
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _loop.Wait(IcePeers.Timeout);
            }
            catch (AggregateException)
            {
            }

            _stop.Dispose();
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[2048];
            var from = new SocketAddress(_socket.AddressFamily);
            while (!_stop.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = await _socket.ReceiveFromAsync(buffer, from, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                Answer(buffer.AsSpan(0, length), from);
            }
        }

        private void Answer(ReadOnlySpan<byte> datagram, SocketAddress from)
        {
            if (!StunMessage.TryParse(datagram, out var request, out _))
            {
                return; // DTLS: not this script's business
            }

            if (request.Class == StunClass.SuccessResponse
                && request.VerifyMessageIntegrity(StunIntegrity.ShortTermKey(_ourPrevious.Password)))
            {
                Interlocked.Increment(ref _successResponses);
                return;
            }

            if (request.Class != StunClass.Request || !request.TryGetUsername(out var username))
            {
                return;
            }

            var name = Encoding.UTF8.GetString(username);
            lock (_usernames)
            {
                _usernames.Add(name);
            }

            var source = (IPEndPoint)_socket.LocalEndPoint.Create(from);
            var response = new byte[256];
            StunWriter writer;
            if (name != $"{_credentials.Ufrag}:{_ourPrevious.Ufrag}" || !request.VerifyMessageIntegrity(StunIntegrity.ShortTermKey(_credentials.Password)))
            {
                // The pair was set up with our previous ufrag: any other sender name is a "bad remote username".
                Interlocked.Increment(ref _unauthorized);
                writer = new StunWriter(response, StunMessageType.BindingError, request.TransactionId);
                writer.AddErrorCode(401, "Unauthorized");
            }
            else
            {
                var key = StunIntegrity.ShortTermKey(_credentials.Password);
                if (request.TryGetIceControlling(out var theirs) && theirs <= _tieBreaker)
                {
                    writer = new StunWriter(response, StunMessageType.BindingError, request.TransactionId);
                    writer.AddErrorCode(487, "Role Conflict");
                }
                else
                {
                    writer = new StunWriter(response, StunMessageType.BindingSuccess, request.TransactionId);
                    writer.AddXorMappedAddress(source);
                }

                writer.AddMessageIntegrity(key);
            }

            writer.AddFingerprint();
            Assert.True(writer.TryComplete(out var length));
            _socket.TrySendTo(response.AsSpan(0, length), from);
        }
    }
}
