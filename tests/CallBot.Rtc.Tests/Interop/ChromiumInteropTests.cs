using System.Text.RegularExpressions;
using System.Threading.Channels;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Srtp;
using CallBot.Rtc.Tests.PeerConnection;
using CallBot.TestSupport;
using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.Interop;

/// <summary>
/// CallBot's RtcPeerConnection against headless Chromium (fake camera + microphone), signaled by the test:
/// (a) Chromium offers, (b) CallBot offers — each with GCM and CM-80 forced on our side; (c) ICE restart from each side
/// while media flows; (d) Chromium's candidates only as mDNS names. Run in a network namespace with only lo.
/// </summary>
public sealed partial class ChromiumInteropTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    public static TheoryData<string> Profiles => new() { SrtpProfile.AeadAes128Gcm.Name, SrtpProfile.Aes128CmHmacSha1Tag80.Name };

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task A_Chromium_offers_CallBot_answers(string profileName)
    {
        await using var call = await InteropCall.StartAsync(chromium, Profile(profileName));
        await call.ChromiumOffersAsync();
        await call.AssertConnectedAsync(expectedCallBotDtlsRole: "Client");
        await call.AssertMediaBothWaysAsync();
        Assert.Equal(ChromeCipherName(profileName), await call.Chrome.SrtpCipherAsync());
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task B_CallBot_offers_Chromium_answers(string profileName)
    {
        await using var call = await InteropCall.StartAsync(chromium, Profile(profileName));
        await call.CallBotOffersAsync();
        await call.AssertConnectedAsync(expectedCallBotDtlsRole: "Server");
        await call.AssertMediaBothWaysAsync();
        Assert.Equal(ChromeCipherName(profileName), await call.Chrome.SrtpCipherAsync());
    }

    // Under load Chromium's new port pairs with our previous ufrag before our answer arrives; that pair must still become
    // our generation 1 (docs/reliability.md, "generation 1 never selected after Chromium restarts"; IceRestartByPeerTests).
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public async Task C_Ice_restart_from_either_side_keeps_media_flowing(bool chromiumRestarts, bool chromiumOfferedFirst)
    {
        await using var call = await InteropCall.StartAsync(chromium, SrtpProfile.AeadAes128Gcm);
        if (chromiumOfferedFirst)
        {
            await call.ChromiumOffersAsync();
        }
        else
        {
            await call.CallBotOffersAsync();
        }

        await call.AssertConnectedAsync(expectedCallBotDtlsRole: chromiumOfferedFirst ? "Client" : "Server");
        await call.AssertMediaBothWaysAsync();
        var handshakesBefore = call.CallBot.GetStats().Transport.DtlsCipherSuite;

        if (chromiumRestarts)
        {
            await call.ChromiumOffersAsync(iceRestart: true);
        }
        else
        {
            await call.CallBotOffersAsync(iceRestart: true);
        }

        await call.WaitForSelectedGenerationAsync(1);
        await call.AssertMediaBothWaysAsync();
        Assert.Equal(PeerConnectionState.Connected, call.CallBot.ConnectionState);
        Assert.Equal(handshakesBefore, call.CallBot.GetStats().Transport.DtlsCipherSuite);
        Assert.Equal(0, call.CallBot.GetStats().Transport.SrtpAuthFailures);
    }

    [Fact]
    public async Task D_Chromium_with_only_mdns_candidates_still_connects()
    {
        await using var call = await InteropCall.StartAsync(chromium, SrtpProfile.AeadAes128Gcm, mdnsOnly: true);
        await call.ChromiumOffersAsync();
        await call.AssertConnectedAsync(expectedCallBotDtlsRole: "Client");
        await call.AssertMediaBothWaysAsync();
        var pair = call.CallBot.GetStats().SelectedCandidatePair;
        Assert.NotNull(pair);
        Assert.Equal(IceCandidateType.PeerReflexive, pair.RemoteCandidateType);
        Assert.True(call.CallBot.IceAgent!.UnresolvedRemoteCandidateCount > 0);
    }

    private static SrtpProfile Profile(string name) => SrtpProfile.All.Single(p => p.Name == name);

    // Chromium's RTCTransportStats.srtpCipher uses the RFC 5764 / RFC 7714 profile names, as SrtpProfile.Name does.
    private static string ChromeCipherName(string profileName) => profileName;

    [GeneratedRegex(@" (\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]+) (\d+) typ host")]
    private static partial Regex HostAddress();

    /// <summary>One CallBot peer + one Chromium page, with trickle both ways.</summary>
    internal sealed class InteropCall : IAsyncDisposable
    {
        private readonly Channel<LocalIceCandidate> _toChrome = Channel.CreateUnbounded<LocalIceCandidate>();
        private readonly bool _mdnsOnly;
        private readonly FrameCollector _video = new();
        private readonly FrameCollector _audio = new();
        private TaskCompletionSource _chromeHasRemote = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(string Candidate, string? Mid, int? Index)> _heldForCallBot = [];
        private bool _callBotAwaitsOffer;
        private Task? _candidatePump;
        private MediaPump? _media;
        private RtpTransceiver _audioTransceiver = null!;
        private RtpTransceiver _videoTransceiver = null!;

        private InteropCall(ChromiumPeer chrome, RtcPeerConnection callBot, bool mdnsOnly)
        {
            Chrome = chrome;
            CallBot = callBot;
            _mdnsOnly = mdnsOnly;
        }

        public ChromiumPeer Chrome { get; }

        public RtcPeerConnection CallBot { get; }

        public TestLog Log { get; private init; } = TestLog.InMemory();

        /// <param name="options">CallBot's options (default: loopback with <paramref name="profile"/>).</param>
        /// <param name="chromeConfiguration">Chromium's RTCConfiguration (default: none).</param>
        public static async Task<InteropCall> StartAsync(ChromiumFixture chromium, SrtpProfile profile, bool mdnsOnly = false,
            PeerConnectionOptions? options = null, object? chromeConfiguration = null)
        {
            var page = await chromium.NewPageAsync();
            var log = TestLog.InMemory();
            var callBot = new RtcPeerConnection(options ?? PeerHarness.LoopbackOptions(profile), PeerHarness.Certificate, TimeProvider.System, log);
            var call = new InteropCall(new ChromiumPeer(page), callBot, mdnsOnly) { Log = log };
            call._audioTransceiver = callBot.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
            call._videoTransceiver = callBot.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
            call._audioTransceiver.RemoteFrameSink = call._audio;
            call._videoTransceiver.RemoteFrameSink = call._video;
            callBot.LocalCandidate += (_, c) => call._toChrome.Writer.TryWrite(c);
            await call.Chrome.ExposeCandidatesAsync(call.OnChromeCandidate);
            await call.Chrome.SetupAsync(chromeConfiguration);
            call._candidatePump = call.PumpCandidatesAsync();
            return call;
        }

        public async Task ChromiumOffersAsync(bool iceRestart = false)
        {
            _chromeHasRemote = new(TaskCreationOptions.RunContinuationsAsynchronously);

            // Signaling keeps order: the offer reaches CallBot before the candidates Chromium gathers for it.
            lock (_heldForCallBot)
            {
                _callBotAwaitsOffer = true;
            }

            var offer = await Chrome.CreateOfferAsync(iceRestart);
            await CallBot.SetRemoteOfferAsync(offer);
            ReleaseHeldCandidates();
            var answer = await CallBot.CreateAnswerAsync();
            await Chrome.SetRemoteAnswerAsync(answer);
            _chromeHasRemote.TrySetResult();
        }

        public async Task CallBotOffersAsync(bool iceRestart = false)
        {
            _chromeHasRemote = new(TaskCreationOptions.RunContinuationsAsynchronously);
            var offer = await CallBot.CreateOfferAsync(iceRestart);
            var answer = await Chrome.AnswerAsync(offer);
            _chromeHasRemote.TrySetResult();
            await CallBot.SetRemoteAnswerAsync(answer);
        }

        public async Task AssertConnectedAsync(string expectedCallBotDtlsRole)
        {
            await PeerHarness.WaitForStateAsync(CallBot, PeerConnectionState.Connected);
            await Chrome.Page.WaitForAsync("window.pc.connectionState === 'connected'");
            Assert.Equal(expectedCallBotDtlsRole, CallBot.GetStats().Transport.DtlsRole);
            _media ??= new MediaPump(_videoTransceiver.Sender, _audioTransceiver.Sender);
        }

        /// <summary>Chromium decodes more of our VP8 and receives more of our Opus; we assemble more of its frames.</summary>
        public async Task AssertMediaBothWaysAsync()
        {
            var framesDecoded = await Chrome.Page.EvaluateAsync<long>("() => window.stats.video.framesDecoded");
            var audioPackets = await Chrome.Page.EvaluateAsync<long>("() => window.stats.audio.packetsReceived");
            var video = _video.Count;
            var audio = _audio.Count;
            await Chrome.WaitInboundAboveAsync("video", "framesDecoded", framesDecoded + 10);
            await Chrome.WaitInboundAboveAsync("audio", "packetsReceived", audioPackets + 20);
            await _video.WaitForAsync(video + 10, PeerHarness.Timeout);
            await _audio.WaitForAsync(audio + 20, PeerHarness.Timeout);
            Assert.All(_video.Frames, f => Assert.Equal(CodecId.Vp8, f.Codec));
            Assert.True(_video.Frames[0].IsKeyFrame);
            var stats = CallBot.GetStats();
            Assert.Equal(0, stats.Transport.SrtpAuthFailures);
            Assert.Contains(stats.Inbound, s => s.Kind == MediaKind.Video && s.PacketsReceived > 0);
            Assert.Contains(stats.Inbound, s => s.Kind == MediaKind.Audio && s.PacketsReceived > 0);
        }

        public async Task WaitForSelectedGenerationAsync(int generation)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void Check(IceSelectedPair pair)
            {
                if (pair.Generation >= generation)
                {
                    done.TrySetResult();
                }
            }

            CallBot.IceAgent!.SelectedPairChanged += Check;
            if (CallBot.IceAgent.SelectedPair is { } now)
            {
                Check(now);
            }

            try
            {
                await done.Task.WaitAsync(PeerHarness.Timeout);
            }
            catch (TimeoutException)
            {
                var agent = CallBot.IceAgent;
                var c = agent.Counters;
                var chrome = await Chrome.Page.EvaluateAsync<string>(
                    "async () => { const r = []; (await window.pc.getStats()).forEach(s => { if (s.type === 'candidate-pair') r.push(`${s.state}/${s.nominated}/${s.requestsSent}/${s.responsesReceived}`); }); return window.pc.iceConnectionState + ' ' + r.join(' '); }");
                throw new TimeoutException(
                    $"generation {generation} never selected: state {agent.State}, role {agent.Role}, selected generation " +
                    $"{agent.SelectedPair?.Generation}, checks sent {c[IceCounter.ChecksSent]}, answered {c[IceCounter.RequestsAnswered]}, unknown username " +
                    $"{c[IceCounter.UnknownUsername]}, integrity failures {c.IntegrityFailures}, role conflicts {c[IceCounter.RoleConflicts]}, unmatched " +
                    $"responses {c[IceCounter.UnmatchedResponses]}; checklist: {await agent.DescribeChecklistAsync()}; Chromium: {chrome}\nCallBot log:\n{Log.Tail()}");
            }

            CallBot.IceAgent.SelectedPairChanged -= Check;
        }

        public async ValueTask DisposeAsync()
        {
            if (_media is not null)
            {
                await _media.DisposeAsync();
            }

            await CallBot.DisposeAsync();
            _toChrome.Writer.TryComplete();
            if (_candidatePump is not null)
            {
                await _candidatePump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await Chrome.Page.EvaluateAsync("() => { clearInterval(window.statsTimer); window.pc.close(); }");
            await Chrome.Page.DisposeAsync();
        }

        private void OnChromeCandidate(string candidate, string? mid, int? index)
        {
            if (_mdnsOnly && candidate.Length > 0)
            {
                // What Chromium sends without camera permission: the host address replaced by a random *.local name.
                candidate = HostAddress().Replace(candidate, m => $" {Guid.NewGuid():D}.local {m.Groups[3].Value} typ host");
                if (!candidate.Contains(".local", StringComparison.Ordinal))
                {
                    return;
                }
            }

            lock (_heldForCallBot)
            {
                if (_callBotAwaitsOffer)
                {
                    _heldForCallBot.Add((candidate, mid, index));
                    return;
                }
            }

            CallBot.AddRemoteCandidate(candidate, mid, index);
        }

        private void ReleaseHeldCandidates()
        {
            List<(string Candidate, string? Mid, int? Index)> held;
            lock (_heldForCallBot)
            {
                _callBotAwaitsOffer = false;
                held = [.. _heldForCallBot];
                _heldForCallBot.Clear();
            }

            foreach (var (candidate, mid, index) in held)
            {
                CallBot.AddRemoteCandidate(candidate, mid, index);
            }
        }

        private async Task PumpCandidatesAsync()
        {
            await foreach (var candidate in _toChrome.Reader.ReadAllAsync())
            {
                if (candidate.Candidate is null)
                {
                    continue;
                }

                await _chromeHasRemote.Task;
                await Chrome.AddCandidateAsync(candidate);
            }
        }
    }
}
