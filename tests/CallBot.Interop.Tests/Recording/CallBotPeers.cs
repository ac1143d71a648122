using System.Net;
using CallBot.Rtc;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Interop.Tests.Recording;

/// <summary>Builds CallBot peers (real loopback UDP, or an <see cref="InMemoryNetwork"/> host) and signals between them in-process.</summary>
internal static class CallBotPeers
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly Lazy<DtlsCertificate> SharedCertificate = new(() => DtlsCertificate.Generate());

    public static DtlsCertificate Certificate => SharedCertificate.Value;

    public static PeerConnectionOptions LoopbackOptions(IReadOnlyList<CallBot.Abstractions.CodecId>? videoCodecs = null) => new()
    {
        Ice = new IceOptions { IncludeLoopback = true, IncludeIPv6 = false, AllowLoopbackRemoteCandidates = true },
        HostAddressFilter = IPAddress.IsLoopback,
        DtlsHandshakeTimeout = TimeSpan.FromSeconds(15),
        VideoCodecs = videoCodecs ?? [CallBot.Abstractions.CodecId.Vp8, CallBot.Abstractions.CodecId.H264],
    };

    /// <summary>Set to see the peers' logs in the test output while investigating.</summary>
    public static bool Verbose { get; set; }

    public static RtcPeerConnection Create(PeerConnectionOptions options, string name = "pc") =>
        new(options, Certificate, TimeProvider.System, Verbose ? TestLog.ToTestOutput(name) : NullLoggerFactory.Instance);

    public static RtcPeerConnection CreateOn(IDatagramSocketFactory host) =>
        Create(new PeerConnectionOptions { Ice = new IceOptions { IncludeIPv6 = false, AllowPrivateRemoteCandidates = true }, SocketFactory = host });

    /// <summary>Trickles candidates both ways, offers from <paramref name="offerer"/> and waits until both are Connected.</summary>
    public static async Task ConnectAsync(RtcPeerConnection offerer, RtcPeerConnection answerer)
    {
        Trickle(offerer, answerer);
        Trickle(answerer, offerer);
        var a = WaitForConnectedAsync(offerer);
        var b = WaitForConnectedAsync(answerer);
        var offer = await offerer.CreateOfferAsync();
        await answerer.SetRemoteOfferAsync(offer);
        var answer = await answerer.CreateAnswerAsync();
        await offerer.SetRemoteAnswerAsync(answer);
        await a;
        await b;
    }

    public static Task WaitForConnectedAsync(RtcPeerConnection pc)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pc.ConnectionStateChanged += (_, s) =>
        {
            if (s == PeerConnectionState.Connected)
            {
                done.TrySetResult();
            }
            else if (s == PeerConnectionState.Closed)
            {
                done.TrySetException(new InvalidOperationException("peer closed before it connected"));
            }

            // Not Failed: the answerer's ICE agent reports Failed for a moment when its first checks fail before the
            // trickled candidates arrive, then connects (seen on loopback; reported to the pc/ice owners).
        };
        if (pc.ConnectionState == PeerConnectionState.Connected)
        {
            done.TrySetResult();
        }

        return done.Task.WaitAsync(Timeout);
    }

    private static void Trickle(RtcPeerConnection from, RtcPeerConnection to) =>
        from.LocalCandidate += (_, c) => to.AddRemoteCandidate(c.Candidate, c.SdpMid, c.SdpMLineIndex);
}
