using System.Text.Json;
using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.Interop;

/// <summary>
/// The browser side of an interop call: window.pc with the fake camera + microphone, local candidates queued in
/// window.cands for the test to forward. Every call goes through Playwright; the test is the signaling channel.
/// </summary>
internal sealed class ChromiumPeer(ChromiumPage page)
{
    private const string SetupJs = """
        async (configuration) => {
          const pc = new RTCPeerConnection(configuration || undefined);
          window.pc = pc;
          window.cands = [];
          pc.onicecandidate = e => window.onLocalCandidate(JSON.stringify(e.candidate ? { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex } : null));
          window.stats = { video: { packetsReceived: 0, framesDecoded: 0 }, audio: { packetsReceived: 0, framesDecoded: 0 } };
          window.statsTimer = setInterval(async () => {
            const next = { video: { packetsReceived: 0, framesDecoded: 0 }, audio: { packetsReceived: 0, framesDecoded: 0 } };
            const report = await pc.getStats();
            report.forEach(s => { if (s.type === 'inbound-rtp' && next[s.kind]) { next[s.kind].packetsReceived += s.packetsReceived || 0; next[s.kind].framesDecoded += s.framesDecoded || 0; } });
            window.stats = next;
          }, 100);
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 15 } });
          for (const track of stream.getTracks()) pc.addTrack(track, stream);
        }
        """;

    public ChromiumPage Page => page;

    /// <summary>Creates window.pc with <paramref name="configuration"/> (an RTCConfiguration, e.g. iceServers + iceTransportPolicy; null = defaults).</summary>
    public Task SetupAsync(object? configuration = null) => page.EvaluateAsync(SetupJs, configuration);

    /// <summary>candidateType of the local and remote candidate of the transport's selected pair (nulls before one is selected).</summary>
    public async Task<(string? Local, string? Remote)> SelectedPairTypesAsync()
    {
        var json = await page.EvaluateAsync<string>("""
            async () => {
              const report = await window.pc.getStats();
              let pairId = null;
              report.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
              const pair = pairId ? report.get(pairId) : null;
              const local = pair ? report.get(pair.localCandidateId) : null;
              const remote = pair ? report.get(pair.remoteCandidateId) : null;
              return JSON.stringify({ local: local ? local.candidateType : null, remote: remote ? remote.candidateType : null });
            }
            """);
        using var document = JsonDocument.Parse(json);
        return (document.RootElement.GetProperty("local").GetString(), document.RootElement.GetProperty("remote").GetString());
    }

    public Task<string> CreateOfferAsync(bool iceRestart = false) => page.EvaluateAsync<string>(
        "async (iceRestart) => { const o = await window.pc.createOffer({ iceRestart }); await window.pc.setLocalDescription(o); return o.sdp; }", iceRestart);

    public Task SetRemoteAnswerAsync(string sdp) =>
        page.EvaluateAsync("async (sdp) => { await window.pc.setRemoteDescription({ type: 'answer', sdp }); }", sdp);

    public Task<string> AnswerAsync(string offer) => page.EvaluateAsync<string>(
        "async (sdp) => { await window.pc.setRemoteDescription({ type: 'offer', sdp }); const a = await window.pc.createAnswer(); await window.pc.setLocalDescription(a); return a.sdp; }",
        offer);

    /// <summary>False when Chromium refused it (e.g. a candidate of an ICE generation it does not know yet).</summary>
    public Task<bool> AddCandidateAsync(LocalIceCandidate candidate) => page.EvaluateAsync<bool>(
        "async (c) => { try { await window.pc.addIceCandidate(c); return true; } catch (e) { console.log('addIceCandidate: ' + e); return false; } }",
        new { candidate = candidate.Candidate, sdpMid = candidate.SdpMid, sdpMLineIndex = candidate.SdpMLineIndex });

    /// <summary>Routes the page's local candidates to <paramref name="onCandidate"/> ("" = end-of-candidates). Call before <see cref="SetupAsync"/>.</summary>
    public Task ExposeCandidatesAsync(Action<string, string?, int?> onCandidate) =>
        page.Page.ExposeFunctionAsync("onLocalCandidate", (string json) =>
        {
            using var document = JsonDocument.Parse(json);
            var item = document.RootElement;
            if (item.ValueKind == JsonValueKind.Null)
            {
                onCandidate(string.Empty, null, null);
                return;
            }

            onCandidate(item.GetProperty("candidate").GetString() ?? string.Empty, item.GetProperty("sdpMid").GetString(),
                item.GetProperty("sdpMLineIndex").ValueKind == JsonValueKind.Number ? item.GetProperty("sdpMLineIndex").GetInt32() : null);
        });

    /// <summary>Waits until window.stats.{kind}.{field} (inbound-rtp, refreshed every 100 ms) exceeds <paramref name="above"/>; returns it.</summary>
    public async Task<long> WaitInboundAboveAsync(string kind, string field, long above)
    {
        await page.WaitForAsync($"window.stats.{kind}.{field} > {above}", TimeSpan.FromSeconds(20));
        return await page.EvaluateAsync<long>($"() => window.stats.{kind}.{field}");
    }

    public Task<string> ConnectionStateAsync() => page.EvaluateAsync<string>("() => window.pc.connectionState");

    /// <summary>Sum of a numeric field over inbound-rtp stats of one kind.</summary>
    public async Task<long> InboundAsync(string kind, string field)
    {
        long total = 0;
        foreach (var s in await page.GetStatsOfTypeAsync("inbound-rtp"))
        {
            if (s.TryGetProperty("kind", out var k) && k.GetString() == kind && s.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number)
            {
                total += v.GetInt64();
            }
        }

        return total;
    }

    public async Task<string?> SrtpCipherAsync()
    {
        foreach (var s in await page.GetStatsOfTypeAsync("transport"))
        {
            if (s.TryGetProperty("srtpCipher", out var c))
            {
                return c.GetString();
            }
        }

        return null;
    }
}
