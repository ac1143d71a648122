using System.Net;
using CallBot.Abstractions;
using CallBot.Recording;
using CallBot.Recording.Sidecar;
using CallBot.Rtc;
using CallBot.Rtc.Transport;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// Two CallBot peers: A sends the synthetic card (audio + video), B records A through a <see cref="ParticipantRecorder"/>.
/// Either over real loopback UDP, or over an <see cref="InMemoryNetwork"/> whose A → B datagrams pass <see cref="DropAtoB"/>.
/// </summary>
internal sealed class RecordedCallBotCall : IAsyncDisposable
{
    private static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress AddressB = IPAddress.Parse("10.0.0.2");

    private readonly string _root = Directory.CreateTempSubdirectory("callbot-rece2e-").FullName;
    private SyntheticSender? _sender;
    private bool _stopped;

    private RecordedCallBotCall(RtcPeerConnection a, RtcPeerConnection b, InMemoryNetwork? network)
    {
        A = a;
        B = b;
        Network = network;
        AudioA = a.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        VideoA = a.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        AudioB = b.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        VideoB = b.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        Session = new RecordingSession("rece2e-" + Guid.NewGuid().ToString("N")[..8], new RecordingOptions { RootDirectory = _root });
        Recorder = Session.AddParticipant("user-a", CodecId.Opus, CodecId.Vp8);
        Wiring = new RecorderWiring(AudioB, VideoB, Recorder);
    }

    public RtcPeerConnection A { get; }

    public RtcPeerConnection B { get; }

    public InMemoryNetwork? Network { get; }

    public RtpTransceiver AudioA { get; }

    public RtpTransceiver VideoA { get; }

    public RtpTransceiver AudioB { get; }

    public RtpTransceiver VideoB { get; }

    public RecordingSession Session { get; }

    public ParticipantRecorder Recorder { get; }

    public RecorderWiring Wiring { get; }

    public SyntheticSender Sender => _sender ?? throw new InvalidOperationException("media not started");

    /// <summary>In-memory network only: return true to lose a datagram A sends to B (called on the sending thread, under the network's lock).</summary>
    public Func<byte[], bool>? DropAtoB { get; set; }

    /// <summary>Media start (first frame written by the recorder) and stop, for the expected file duration.</summary>
    public DateTimeOffset? MediaStartedAt { get; private set; }

    public DateTimeOffset? MediaStoppedAt { get; private set; }

    public static async Task<RecordedCallBotCall> OverLoopbackAsync()
    {
        var call = new RecordedCallBotCall(CallBotPeers.Create(CallBotPeers.LoopbackOptions(), "A"), CallBotPeers.Create(CallBotPeers.LoopbackOptions(), "B"), null);
        await CallBotPeers.ConnectAsync(call.A, call.B);
        return call;
    }

    public static async Task<RecordedCallBotCall> OverInMemoryNetworkAsync()
    {
        var network = new InMemoryNetwork();
        var call = new RecordedCallBotCall(CallBotPeers.CreateOn(network.AddHost(AddressA)), CallBotPeers.CreateOn(network.AddHost(AddressB)), network);
        network.DropWhen = (from, to, data) =>
            from.Address.Equals(AddressA) && to.Address.Equals(AddressB) && call.DropAtoB is { } drop && drop(data.ToArray());
        await CallBotPeers.ConnectAsync(call.A, call.B);
        return call;
    }

    /// <summary>Starts the synthetic card on A; <paramref name="videoSink"/> may wrap A's video sender (fault injection).</summary>
    public SyntheticSender StartMedia(SyntheticMediaFixture media, Func<IEncodedFrameSink, IEncodedFrameSink>? videoSink = null)
    {
        _sender = new SyntheticSender(media.VideoTrack, media.AudioTrack, VideoA, AudioA, videoSink?.Invoke(VideoA.Sender));
        return _sender;
    }

    /// <summary>Waits until the recorder wrote its first keyframe and <paramref name="duration"/> of media has been recorded after it.</summary>
    public async Task RecordForAsync(TimeSpan duration)
    {
        await Wiring.WaitUntilAsync(() => Wiring.VideoKeyFrames > 0 && Wiring.AudioFrames > 0, CallBotPeers.Timeout);
        MediaStartedAt = Wiring.FirstFrameAt;
        var target = (long)(duration.TotalSeconds * SyntheticMediaFixture.FrameRate);
        var videoAtStart = Wiring.VideoFrames;
        await Wiring.WaitUntilAsync(() => Wiring.VideoFrames - videoAtStart >= target, duration + CallBotPeers.Timeout);
    }

    /// <summary>Hangs up: no more frames reach the recorder, then the session is finalized (file closed, sidecar written).</summary>
    public async Task<SessionSidecar> HangUpAndFinalizeAsync()
    {
        _sender?.Dispose();
        Wiring.Dispose();
        MediaStoppedAt = DateTimeOffset.UtcNow;
        _stopped = true;
        return await Session.FinalizeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            _sender?.Dispose();
            Wiring.Dispose();
        }

        await Session.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test for.
        }
    }
}
