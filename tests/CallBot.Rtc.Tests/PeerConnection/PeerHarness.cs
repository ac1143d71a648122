using System.Net;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Srtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>Builds CallBot peers restricted to loopback and signals between them in-process (trickle both ways).</summary>
internal static class PeerHarness
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly Lazy<DtlsCertificate> SharedCertificate = new(() => DtlsCertificate.Generate());

    public static DtlsCertificate Certificate => SharedCertificate.Value;

    public static PeerConnectionOptions LoopbackOptions(SrtpProfile? profile = null, TimeSpan? nackHistoryRetention = null) => new()
    {
        NackHistoryRetention = nackHistoryRetention ?? RtpPacketHistory.DefaultRetention,
        Ice = new IceOptions { IncludeLoopback = true, IncludeIPv6 = false, AllowLoopbackRemoteCandidates = true },
        HostAddressFilter = IPAddress.IsLoopback,
        SrtpProfiles = profile is null ? [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1Tag80] : [profile],
        DtlsHandshakeTimeout = TimeSpan.FromSeconds(10),
    };

    public static RtcPeerConnection Create(PeerConnectionOptions? options = null, DtlsCertificate? certificate = null) =>
        new(options ?? LoopbackOptions(), certificate ?? Certificate, TimeProvider.System, NullLoggerFactory.Instance);

    /// <summary>Forwards each side's local candidates to the other as they are gathered.</summary>
    public static void Trickle(RtcPeerConnection from, RtcPeerConnection to, Func<string, bool>? filter = null) =>
        from.LocalCandidate += (_, c) =>
        {
            if (c.Candidate is null || filter is null || filter(c.Candidate))
            {
                to.AddRemoteCandidate(c.Candidate, c.SdpMid, c.SdpMLineIndex);
            }
        };

    /// <summary>Offer/answer; <paramref name="mungeOffer"/> / <paramref name="mungeAnswer"/> edit the text in flight.</summary>
    public static async Task NegotiateAsync(RtcPeerConnection offerer, RtcPeerConnection answerer,
        Func<string, string>? mungeOffer = null, Func<string, string>? mungeAnswer = null, bool iceRestart = false)
    {
        var offer = await offerer.CreateOfferAsync(iceRestart);
        await answerer.SetRemoteOfferAsync(mungeOffer is null ? offer : mungeOffer(offer));
        var answer = await answerer.CreateAnswerAsync();
        await offerer.SetRemoteAnswerAsync(mungeAnswer is null ? answer : mungeAnswer(answer));
    }

    public static Task<PeerConnectionState> WaitForStateAsync(RtcPeerConnection pc, params PeerConnectionState[] states)
    {
        var done = new TaskCompletionSource<PeerConnectionState>(TaskCreationOptions.RunContinuationsAsynchronously);
        pc.ConnectionStateChanged += (_, s) =>
        {
            if (states.Contains(s))
            {
                done.TrySetResult(s);
            }
        };
        var now = pc.ConnectionState;
        if (states.Contains(now))
        {
            done.TrySetResult(now);
        }

        return done.Task.WaitAsync(Timeout);
    }
}
