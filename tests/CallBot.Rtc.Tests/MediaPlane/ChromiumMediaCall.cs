using System.Text.Json;
using CallBot.Abstractions;
using CallBot.Rtc.Tests.PeerConnection;
using CallBot.TestSupport.Chromium;
using CallBot.TestSupport.Network;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// CallBot ↔ headless Chromium with every datagram (STUN, DTLS, SRTP) through a <see cref="UdpImpairmentRelay"/>:
/// CallBot is side A, Chromium side B, and each learns only the relay's port as the other's candidate. Chromium offers
/// (fake camera at <c>width×height@fps</c> + fake microphone); CallBot answers with the video codecs it was given, so
/// "negotiated alone" is CallBot's codec list. The test is the signaling channel.
/// </summary>
internal sealed class ChromiumMediaCall : IAsyncDisposable
{
    private const string SetupJs = """
        async ([width, height, fps]) => {
          const pc = new RTCPeerConnection();
          window.pc = pc;
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width, height, frameRate: fps } });
          window.localStream = stream;
          for (const track of stream.getTracks()) pc.addTrack(track, stream);
        }
        """;

    // Sums chosen fields of one stats type per kind, in one getStats() call (one moment).
    private const string StatsJs = """
        async ([type, fields]) => {
          const out = { audio: {}, video: {} };
          for (const k of ['audio', 'video']) for (const f of fields) out[k][f] = 0;
          (await window.pc.getStats()).forEach(s => {
            if (s.type !== type || !out[s.kind]) return;
            for (const f of fields) out[s.kind][f] += (typeof s[f] === 'number' ? s[f] : 0);
          });
          return JSON.stringify(out);
        }
        """;

    private ChromiumMediaCall(ChromiumPage page, RtcPeerConnection callBot, UdpImpairmentRelay relay)
    {
        Page = page;
        CallBot = callBot;
        Relay = relay;
    }

    public ChromiumPage Page { get; }

    public RtcPeerConnection CallBot { get; }

    public UdpImpairmentRelay Relay { get; }

    /// <summary>CallBot → Chromium.</summary>
    public RelayDirection ToChromium => Relay.AToB;

    /// <summary>Chromium → CallBot.</summary>
    public RelayDirection ToCallBot => Relay.BToA;

    public RtpTransceiver Audio { get; private set; } = null!;

    public RtpTransceiver Video { get; private set; } = null!;

    public FrameCounter ReceivedAudio { get; } = new();

    public FrameCounter ReceivedVideo { get; } = new();

    public static async Task<ChromiumMediaCall> ConnectAsync(ChromiumFixture chromium, CodecId videoCodec,
        int width = 320, int height = 240, int fps = 15, TimeSpan? maxGapWait = null, IReadOnlyList<string>? interceptors = null)
    {
        var page = await chromium.NewPageAsync();
        var options = PeerHarness.LoopbackOptions();
        options = new PeerConnectionOptions
        {
            Ice = options.Ice,
            HostAddressFilter = options.HostAddressFilter,
            SrtpProfiles = options.SrtpProfiles,
            DtlsHandshakeTimeout = options.DtlsHandshakeTimeout,
            VideoCodecs = [videoCodec],
            MaxGapWait = maxGapWait ?? options.MaxGapWait,
            Interceptors = interceptors ?? options.Interceptors,
        };
        var callBot = PeerHarness.Create(options);
        var relay = UdpImpairmentRelay.Start(new UdpImpairmentRelayOptions { Seed = 4 }, TimeProvider.System);
        var call = new ChromiumMediaCall(page, callBot, relay);
        call.Audio = callBot.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        call.Video = callBot.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        call.Audio.RemoteFrameSink = call.ReceivedAudio;
        call.Video.RemoteFrameSink = call.ReceivedVideo;

        await page.EvaluateAsync(SetupJs, new[] { width, height, fps });
        var offer = await page.EvaluateAsync<string>("async () => { const o = await window.pc.createOffer(); await window.pc.setLocalDescription(o); return o.sdp; }");
        await callBot.SetRemoteOfferAsync(offer);
        var answer = await callBot.CreateAnswerAsync();
        await page.EvaluateAsync("async (sdp) => { await window.pc.setRemoteDescription({ type: 'answer', sdp }); }", answer);

        // Each side sees only the relay: STUN, DTLS and SRTP all cross it (BUNDLE: one candidate on the first m-line).
        callBot.AddRemoteCandidate(RelayCandidate(relay.EndpointA.Port), "0", 0);
        await page.EvaluateAsync("async (c) => { await window.pc.addIceCandidate({ candidate: c, sdpMid: '0', sdpMLineIndex: 0 }); }",
            RelayCandidate(relay.EndpointB.Port));

        await PeerHarness.WaitForStateAsync(callBot, PeerConnectionState.Connected);
        await page.WaitForAsync("window.pc.connectionState === 'connected'", TimeSpan.FromSeconds(30));
        return call;
    }

    /// <summary>Sums of <paramref name="fields"/> over Chromium's stats of <paramref name="type"/> per kind, read at one moment.</summary>
    public async Task<ChromiumStats> StatsAsync(string type, params string[] fields)
    {
        var json = await Page.EvaluateAsync<string>(StatsJs, new object[] { type, fields });
        using var document = JsonDocument.Parse(json);
        var audio = new Dictionary<string, double>();
        var video = new Dictionary<string, double>();
        foreach (var field in fields)
        {
            audio[field] = document.RootElement.GetProperty("audio").GetProperty(field).GetDouble();
            video[field] = document.RootElement.GetProperty("video").GetProperty(field).GetDouble();
        }

        return new ChromiumStats(audio, video);
    }

    /// <summary>Stops Chromium's camera and microphone tracks (its encoders stop; stats stay readable).</summary>
    public Task StopChromiumTracksAsync() =>
        Page.EvaluateAsync("() => { for (const t of window.localStream.getTracks()) t.stop(); }");

    public async ValueTask DisposeAsync()
    {
        await CallBot.DisposeAsync();
        await Page.EvaluateAsync("() => { window.pc.close(); }");
        await Page.DisposeAsync();
        await Relay.DisposeAsync();
    }

    private static string RelayCandidate(int port) => $"candidate:1 1 udp 2130706431 127.0.0.1 {port} typ host";
}

/// <summary>Summed Chromium stats fields per kind.</summary>
internal sealed record ChromiumStats(IReadOnlyDictionary<string, double> Audio, IReadOnlyDictionary<string, double> Video);
