using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>Descriptions, candidates, states and events of RtcPeerConnection (loopback UDP).</summary>
public sealed class SignalingAndStateTests
{
    [Fact]
    public async Task Offer_is_bundled_muxed_actpass_with_our_ssrcs_and_codecs()
    {
        await using var pc = PeerHarness.Create();
        var audio = pc.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        var video = pc.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);

        var text = await pc.CreateOfferAsync(ct: TestContext.Current.CancellationToken);

        Assert.True(SdpParser.TryParse(text, out var offer, out var error), error.ToString());
        Assert.Equal(["0", "1"], offer.BundleGroup!.Mids);
        Assert.Equal("0", audio.Mid);
        Assert.Equal("1", video.Mid);
        Assert.All(offer.Media, m => Assert.True(m.RtcpMux));
        Assert.All(offer.Media, m => Assert.Equal(SdpSetup.ActPass, m.Setup));
        Assert.Equal(pc.IceAgent!.LocalCredentials.Ufrag, offer.Media[0].IceUfrag);
        Assert.Contains(offer.Media[0].Ssrcs, s => s.Ssrc == audio.Ssrc);
        Assert.Contains(offer.Media[1].Ssrcs, s => s.Ssrc == video.Ssrc);
        Assert.Equal(["opus", "red"], offer.Media[0].RtpMaps.Select(m => m.EncodingName)); // red: the fec stage (audio RED), as Chrome offers
        Assert.Equal(["VP8", "rtx", "H264", "rtx", "red", "rtx", "ulpfec"], offer.Media[1].RtpMaps.Select(m => m.EncodingName));
        Assert.Contains(offer.Media[1].ExtMaps, e => e.Uri == SdpHeaderExtensionUris.SdesMid);
        Assert.Equal(pc.LocalFingerprint.ToString(), "sha-256 " + offer.Media[0].Fingerprint!.Value);
    }

    [Fact]
    public async Task Candidates_are_trickled_for_mid_0_then_end_of_candidates()
    {
        await using var pc = PeerHarness.Create();
        pc.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        var candidates = new List<LocalIceCandidate>();
        var end = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pc.LocalCandidate += (_, c) =>
        {
            candidates.Add(c);
            if (c.Candidate is null)
            {
                end.TrySetResult();
            }
        };

        await pc.CreateOfferAsync(ct: TestContext.Current.CancellationToken);
        await end.Task.WaitAsync(PeerHarness.Timeout, TestContext.Current.CancellationToken);

        Assert.True(candidates.Count >= 2);
        Assert.All(candidates, c => Assert.Equal(("0", 0), (c.SdpMid, c.SdpMLineIndex)));
        Assert.All(candidates[..^1], c => Assert.StartsWith("candidate:", c.Candidate, StringComparison.Ordinal));
        Assert.Contains(candidates, c => c.Candidate!.Contains(" 127.0.0.1 ", StringComparison.Ordinal));
        Assert.Null(candidates[^1].Candidate);
    }

    [Fact]
    public async Task States_go_new_connecting_connected_closed_in_order_with_ice_events()
    {
        var states = new List<PeerConnectionState>();
        var iceStates = new List<IceConnectionState>();
        var a = PeerHarness.Create();
        await using var b = PeerHarness.Create();
        a.ConnectionStateChanged += (_, s) => states.Add(s);
        a.IceConnectionStateChanged += (_, s) => iceStates.Add(s);
        a.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        Assert.Equal(PeerConnectionState.New, a.ConnectionState);
        PeerHarness.Trickle(a, b);
        PeerHarness.Trickle(b, a);
        var connected = PeerHarness.WaitForStateAsync(a, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(a, b);
        await connected;
        Assert.Equal(PeerConnectionState.Connected, a.ConnectionState);

        var closed = PeerHarness.WaitForStateAsync(a, PeerConnectionState.Closed);
        await a.DisposeAsync();
        await closed;

        Assert.Equal([PeerConnectionState.Connecting, PeerConnectionState.Connected, PeerConnectionState.Closed], states);
        Assert.Equal(IceConnectionState.Checking, iceStates[0]);
        Assert.Contains(IceConnectionState.Connected, iceStates);
        Assert.Equal(IceConnectionState.Closed, iceStates[^1]);
        Assert.True(a.AllBackgroundWorkCompleted);
        await a.DisposeAsync(); // idempotent
        await Assert.ThrowsAsync<ObjectDisposedException>(() => a.CreateOfferAsync(ct: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Disposing_from_inside_an_event_handler_does_not_deadlock()
    {
        var a = PeerHarness.Create();
        await using var b = PeerHarness.Create();
        a.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        PeerHarness.Trickle(a, b);
        PeerHarness.Trickle(b, a);
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.ConnectionStateChanged += async (_, s) =>
        {
            if (s == PeerConnectionState.Connected)
            {
                await a.DisposeAsync();
                disposed.TrySetResult();
            }
        };

        await PeerHarness.NegotiateAsync(a, b);

        await disposed.Task.WaitAsync(PeerHarness.Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(PeerConnectionState.Closed, a.ConnectionState);
    }

    [Fact]
    public async Task Remote_offer_creates_recvonly_transceivers_for_unmatched_m_lines()
    {
        await using var offerer = PeerHarness.Create();
        await using var answerer = PeerHarness.Create();
        offerer.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        offerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var ours = answerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);

        await answerer.SetRemoteOfferAsync(await offerer.CreateOfferAsync(ct: TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        var answer = await answerer.CreateAnswerAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, answerer.Transceivers.Count);
        var audio = answerer.Transceivers.Single(t => t.Kind == MediaKind.Audio);
        Assert.Equal("0", audio.Mid);
        Assert.Equal(TransceiverDirection.RecvOnly, audio.CurrentDirection);
        Assert.Equal("1", ours.Mid);
        Assert.Equal(TransceiverDirection.SendRecv, ours.CurrentDirection);
        Assert.True(SdpParser.TryParse(answer, out var parsed, out _));
        Assert.Equal(SdpDirection.RecvOnly, parsed.Media[0].Direction);
        Assert.Equal(SdpSetup.Active, parsed.Media[0].Setup);
        Assert.Contains(parsed.Media[1].Ssrcs, s => s.Ssrc == ours.Ssrc);
    }

    [Theory]
    [InlineData("not sdp at all")]
    [InlineData("")]
    public async Task Bad_sdp_is_refused_with_PeerConnectionException(string sdp)
    {
        await using var pc = PeerHarness.Create();
        await Assert.ThrowsAsync<PeerConnectionException>(() => pc.SetRemoteOfferAsync(sdp, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Offer_without_rtcp_mux_or_outside_bundle_is_refused()
    {
        await using var offerer = PeerHarness.Create();
        offerer.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        offerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var offer = await offerer.CreateOfferAsync(ct: TestContext.Current.CancellationToken);

        await using var noMux = PeerHarness.Create();
        await Assert.ThrowsAsync<PeerConnectionException>(
            () => noMux.SetRemoteOfferAsync(offer.Replace("a=rtcp-mux\r\n", string.Empty, StringComparison.Ordinal), TestContext.Current.CancellationToken));
        await using var noBundle = PeerHarness.Create();
        await Assert.ThrowsAsync<PeerConnectionException>(
            () => noBundle.SetRemoteOfferAsync(offer.Replace("a=group:BUNDLE 0 1\r\n", string.Empty, StringComparison.Ordinal), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Answer_without_pending_offer_and_garbage_candidates_do_not_break_the_connection()
    {
        await using var a = PeerHarness.Create();
        await using var b = PeerHarness.Create();
        a.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        await Assert.ThrowsAsync<PeerConnectionException>(() => a.SetRemoteAnswerAsync("v=0\r\n", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<PeerConnectionException>(() => b.CreateAnswerAsync(TestContext.Current.CancellationToken));

        b.AddRemoteCandidate("candidate:garbage", "0", 0);
        b.AddRemoteCandidate("candidate:1 1 udp 1 999.1.1.1 99999 typ host", "0", 0);
        b.AddRemoteCandidate("candidate:2 1 udp 2122260223 abcdef.local 5000 typ host", "0", 0);
        PeerHarness.Trickle(a, b);
        PeerHarness.Trickle(b, a);
        var connected = PeerHarness.WaitForStateAsync(b, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(a, b);
        Assert.Equal(PeerConnectionState.Connected, await connected);
    }
}
