using System.Text.Json;
using CallBot.Rtc;
using CallBot.TestSupport.Chromium;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// A Chromium tab that sends its fake camera + microphone (getUserMedia) on window.pc. The test is the signaling
/// channel: offer/answer and candidates go through these methods.
/// </summary>
internal sealed class ChromiumSenderPage(ChromiumPage page)
{
    private const string SetupJs = """
        async () => {
          const pc = new RTCPeerConnection();
          window.pc = pc;
          pc.onicecandidate = e => window.onLocalCandidate(JSON.stringify(e.candidate ? { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex } : null));
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 30 } });
          window.stream = stream;
          for (const track of stream.getTracks()) pc.addTrack(track, stream);
        }
        """;

    public ChromiumPage Page => page;

    /// <summary>Routes the page's local candidates to <paramref name="onCandidate"/> ("" = end-of-candidates), then creates the connection and adds the tracks.</summary>
    public async Task SetupAsync(Action<string, string?, int?> onCandidate)
    {
        await page.Page.ExposeFunctionAsync("onLocalCandidate", (string json) =>
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
        await page.EvaluateAsync(SetupJs);
    }

    public Task<string> CreateOfferAsync() => page.EvaluateAsync<string>(
        "async () => { const o = await window.pc.createOffer(); await window.pc.setLocalDescription(o); return o.sdp; }");

    public Task SetRemoteAnswerAsync(string sdp) =>
        page.EvaluateAsync("async (sdp) => { await window.pc.setRemoteDescription({ type: 'answer', sdp }); }", sdp);

    public Task AddCandidateAsync(LocalIceCandidate candidate) => page.EvaluateAsync(
        "async (c) => { try { await window.pc.addIceCandidate(c); } catch (e) { console.log('addIceCandidate: ' + e); } }",
        new { candidate = candidate.Candidate, sdpMid = candidate.SdpMid, sdpMLineIndex = candidate.SdpMLineIndex });

    /// <summary>The codec Chromium's outbound video uses (e.g. "video/VP8"), from getStats.</summary>
    public Task<string> OutboundVideoMimeTypeAsync() => page.EvaluateAsync<string>("""
        async () => {
          const report = await window.pc.getStats();
          let codecId = null, mime = '';
          report.forEach(s => { if (s.type === 'outbound-rtp' && s.kind === 'video') codecId = s.codecId; });
          report.forEach(s => { if (s.id === codecId) mime = s.mimeType; });
          return mime;
        }
        """);

    public Task CloseAsync() => page.EvaluateAsync("() => { window.stream.getTracks().forEach(t => t.stop()); window.pc.close(); }");
}
