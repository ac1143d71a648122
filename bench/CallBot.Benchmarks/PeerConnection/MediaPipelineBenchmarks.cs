using BenchmarkDotNet.Attributes;
using CallBot.Abstractions;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Media;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Srtp;

namespace CallBot.Benchmarks.PeerConnection;

/// <summary>
/// The PeerConnection media path for one 12 KB VP8 frame (11 packets), without sockets: MediaSendStream (packetize into the
/// history ring) → SrtpSession protect → [wire] → SRTP unprotect → MediaReceiveStream (jitter buffer, assembly) → sink.
/// Must be 0 B/op.
/// </summary>
[MemoryDiagnoser]
public class MediaPipelineBenchmarks
{
    private readonly byte[] _frame = new byte[12_000];
    private readonly byte[] _wire = new byte[2048];
    private MediaSendStream _send = null!;
    private SrtpSession _sender = null!;
    private SrtpSession _receiver = null!;
    private MediaReceiveStream _receive = null!;
    private long _index;

    [Params("SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_HMAC_SHA1_80")]
    public string Profile { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var profile = SrtpProfile.All.Single(p => p.Name == Profile);
        var key = new byte[profile.MasterKeyLength];
        var salt = new byte[profile.MasterSaltLength];
        Random.Shared.NextBytes(key);
        Random.Shared.NextBytes(salt);
        var fingerprint = DtlsCertificate.Generate().Fingerprint;
        _sender = new SrtpSession(
            new DtlsSrtpResult(DtlsRole.Client, profile, new SrtpContext(profile, key, salt), new SrtpContext(profile, key, salt), fingerprint, true, 0xC02B),
            ToReceiver);
        _receiver = new SrtpSession(
            new DtlsSrtpResult(DtlsRole.Server, profile, new SrtpContext(profile, key, salt), new SrtpContext(profile, key, salt), fingerprint, true, 0xC02B),
            static _ => true);

        Random.Shared.NextBytes(_frame);
        _frame[0] = 0x10; // VP8 keyframe tag
        _send = new MediaSendStream(0x1234, null, TimeProvider.System);
        _send.Configure(CodecId.Vp8, new RtpStreamSenderOptions { Ssrc = 0x1234, PayloadType = 96, MidId = 4, Mid = "1" }, enabled: true);
        _send.Attach(_sender);
        _receive = new MediaReceiveStream(0x1234, CodecId.Vp8, 96, nack: true, TimeSpan.FromMilliseconds(150), new NullSink(), TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _receive.Dispose();
    }

    [Benchmark]
    public void SendAndReceiveVp8Frame()
    {
        var i = _index++;
        _send.OnFrame(new EncodedFrame(CodecId.Vp8, _frame, i * 3000, 3000, true));
    }

    private bool ToReceiver(ReadOnlySpan<byte> datagram)
    {
        datagram.CopyTo(_wire);
        if (_receiver.TryUnprotectRtp(_wire, datagram.Length, out var length, out _))
        {
            _receive.Reader(_wire.AsSpan(0, length), out _);
        }

        return true;
    }

    private sealed class NullSink : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame)
        {
        }
    }
}
