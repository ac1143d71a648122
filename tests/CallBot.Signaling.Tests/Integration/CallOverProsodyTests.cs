using System.Globalization;
using System.Threading.Channels;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.Xmpp;
using CallBot.Signaling.Xmpp;
using CallBot.TestSupport.Prosody;

namespace CallBot.Signaling.Tests.Integration;

/// <summary>
/// The ConnectyCube call protocol end to end over real XMPP: two <see cref="CallClient"/>s on <see cref="XmppClient"/>s
/// logged into a private Prosody, with recording peer connections in place of WebRTC.
/// </summary>
public sealed class CallOverProsodyTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public enum Transport
    {
        WebSocket,
        Tcp,
    }

    [Theory]
    [InlineData(Transport.WebSocket, Transport.WebSocket)]
    [InlineData(Transport.Tcp, Transport.Tcp)]
    [InlineData(Transport.WebSocket, Transport.Tcp)]
    public async Task Call_accept_candidates_and_hang_up_cross_prosody(Transport callerTransport, Transport calleeTransport)
    {
        await using var caller = await BotAsync(callerTransport, new CallClientOptions());
        await using var callee = await BotAsync(calleeTransport, new CallClientOptions());
        var incoming = Next<IncomingCallEventArgs>(h => callee.Client.IncomingCall += h);
        var accepted = Next<CallPeerEventArgs>(h => caller.Client.Accepted += h);
        var stopped = Next<CallPeerEventArgs>(h => callee.Client.Stopped += h);
        var calleeClosed = Next<CallSessionEventArgs>(h => callee.Client.SessionClosed += h);

        var session = caller.Client.CreateSession([callee.UserId], CallType.Video);
        await session.CallAsync(UserInfo.Empty.With("name", "caller bot"), Ct);

        var ring = await incoming.WaitAsync(Timeout, Ct);
        Assert.Equal(caller.UserId, ring.CallerUserId);
        Assert.Equal("caller bot", ring.UserInfo["name"]);
        Assert.Equal(session.Id, ring.Session.Id);

        await ring.Session.AcceptAsync(cancellationToken: Ct);
        var accept = await accepted.WaitAsync(Timeout, Ct);
        Assert.Equal(callee.UserId, accept.UserId);

        // The offer and answer crossed the server intact. XML normalizes the SDP's CRLF line ends to LF (as it does for
        // the SDK's own stanzas), which every SDP parser, ours and the browsers', accepts.
        var callerPeer = caller.Peers.Single();
        var calleePeer = callee.Peers.Single();
        Assert.Equal(Lf(callerPeer.Offer), calleePeer.RemoteOffer);
        // onAcceptCallListener fires before the answer is applied (as in the SDK), so await the apply, do not read it.
        Assert.Equal(Lf(calleePeer.Answer), await callerPeer.RemoteAnswer.Task.WaitAsync(Timeout, Ct));

        // Trickle both ways.
        callerPeer.Emit(Candidate(1));
        calleePeer.Emit(Candidate(2));
        Assert.Equal(Candidate(1), await calleePeer.RemoteCandidates.Reader.ReadAsync(Ct).AsTask().WaitAsync(Timeout, Ct));
        Assert.Equal(Candidate(2), await callerPeer.RemoteCandidates.Reader.ReadAsync(Ct).AsTask().WaitAsync(Timeout, Ct));

        // The initiator hangs up: the callee hears it and closes its session.
        await session.StopAsync(cancellationToken: Ct);
        Assert.Equal(caller.UserId, (await stopped.WaitAsync(Timeout, Ct)).UserId);
        Assert.Equal(session.Id, (await calleeClosed.WaitAsync(Timeout, Ct)).Session.Id);
        Assert.True(await calleePeer.Disposed.Task.WaitAsync(Timeout, Ct));
    }

    [Fact]
    public async Task A_call_nobody_answers_ends_as_not_answered_after_the_answer_interval()
    {
        var shortIntervals = new CallClientOptions
        {
            AnswerTimeInterval = TimeSpan.FromSeconds(2),
            DialingTimeInterval = TimeSpan.FromMilliseconds(500),
        };
        await using var caller = await BotAsync(Transport.WebSocket, shortIntervals);
        await using var callee = await BotAsync(Transport.Tcp, new CallClientOptions());
        var rings = 0;
        callee.Client.IncomingCall += (_, _) => Interlocked.Increment(ref rings);
        var notAnswered = Next<CallPeerEventArgs>(h => caller.Client.UserNotAnswered += h);
        var callsSeenByCallee = 0;
        var threeCallsSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        callee.Chat.MessageReceived += (_, e) =>
        {
            if (CallSignalCodec.TryDecode(e.Message).Signal?.Signal.Type == CallSignalType.Call
                && Interlocked.Increment(ref callsSeenByCallee) >= 3)
            {
                threeCallsSeen.TrySetResult();
            }
        };

        var session = caller.Client.CreateSession([callee.UserId], CallType.Audio);
        await session.CallAsync(cancellationToken: Ct);

        var missed = await notAnswered.WaitAsync(Timeout, Ct);
        Assert.Equal(callee.UserId, missed.UserId);
        // Dialing re-sent the call every 0.5 s for 2 s; the callee rang once and ignored the duplicates. The last
        // re-sends can still be on their way through Prosody when not-answered fires on a loaded box: await them.
        await threeCallsSeen.Task.WaitAsync(Timeout, Ct);
        Assert.InRange(Volatile.Read(ref callsSeenByCallee), 3, 6);
        Assert.Equal(1, Volatile.Read(ref rings));
    }

    private static string Lf(string sdp) => sdp.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static IceCandidateInit Candidate(int n) =>
        new(string.Create(CultureInfo.InvariantCulture, $"candidate:{n} 1 udp 2122260223 127.0.0.1 {50000 + n} typ host generation 0"), "0", 0);

    private static Task<T> Next<T>(Action<EventHandler<T>> subscribe)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe((_, e) => tcs.TrySetResult(e));
        return tcs.Task;
    }

    private async Task<Bot> BotAsync(Transport transport, CallClientOptions options)
    {
        var (user, password) = await XmppTestClients.NewUserAsync(prosody);
        var endpoint = transport == Transport.WebSocket ? prosody.WebSocketEndpoint : prosody.TcpEndpoint;
        var chat = await XmppTestClients.ConnectAsync(XmppTestClients.Options(prosody, endpoint, user, password));
        var factory = new RecordingPeerFactory();
        var client = new CallClient(chat, factory, options);
        return new Bot(int.Parse(user.Split('-')[0], CultureInfo.InvariantCulture), chat, client, factory.Created);
    }

    private sealed record Bot(int UserId, XmppClient Chat, CallClient Client, List<RecordingPeer> Peers) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Chat.DisposeAsync();
        }
    }

    private sealed class RecordingPeerFactory : ICallPeerConnectionFactory
    {
        public List<RecordingPeer> Created { get; } = [];

        public ICallPeerConnection Create(CallPeerContext context)
        {
            var peer = new RecordingPeer(context);
            lock (Created)
            {
                Created.Add(peer);
            }

            return peer;
        }
    }

    private sealed class RecordingPeer(CallPeerContext context) : ICallPeerConnection
    {
        public string Offer { get; } = $"v=0\r\no=- {context.LocalUserId} 1 IN IP4 127.0.0.1\r\ns=offer to {context.RemoteUserId}\r\n";
        public string Answer { get; } = $"v=0\r\no=- {context.LocalUserId} 1 IN IP4 127.0.0.1\r\ns=answer to {context.RemoteUserId}\r\n";
        public string? RemoteOffer { get; private set; }
        public TaskCompletionSource<string> RemoteAnswer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Channel<IceCandidateInit> RemoteCandidates { get; } = Channel.CreateUnbounded<IceCandidateInit>();
        public TaskCompletionSource<bool> Disposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public event EventHandler<IceCandidateInit>? LocalCandidate;
        public event EventHandler<PeerIceState>? IceStateChanged;

        public void Emit(IceCandidateInit candidate) => LocalCandidate?.Invoke(this, candidate);

        public Task<string> CreateOfferAsync(bool iceRestart, CancellationToken cancellationToken) => Task.FromResult(Offer);

        public Task<string> CreateAnswerAsync(string remoteOfferSdp, CancellationToken cancellationToken)
        {
            RemoteOffer = remoteOfferSdp;
            IceStateChanged?.Invoke(this, PeerIceState.Checking);
            return Task.FromResult(Answer);
        }

        public Task ApplyAnswerAsync(string remoteAnswerSdp, CancellationToken cancellationToken)
        {
            RemoteAnswer.TrySetResult(remoteAnswerSdp);
            return Task.CompletedTask;
        }

        public Task AddRemoteCandidatesAsync(IReadOnlyList<IceCandidateInit> candidates, CancellationToken cancellationToken)
        {
            foreach (var candidate in candidates)
            {
                RemoteCandidates.Writer.TryWrite(candidate);
            }

            return Task.CompletedTask;
        }

        public void SetMaxBandwidth(int kbps)
        {
        }

        public ValueTask DisposeAsync()
        {
            Disposed.TrySetResult(true);
            return ValueTask.CompletedTask;
        }
    }
}
