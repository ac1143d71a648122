using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Srtp;

namespace CallBot.Benchmarks.Srtp;

/// <summary>
/// The AES-128-GCM primitive alone, encrypt + decrypt of a 1188-byte payload with a 12-byte AAD (one 1200-byte RTP
/// packet): the managed AES-NI/PCLMULQDQ implementation next to .NET's <c>AesGcm</c> (OpenSSL), which SRTP used before.
/// </summary>
[MemoryDiagnoser]
public class GcmAeadBenchmarks
{
    private const int PayloadLength = 1188;

    private readonly byte[] _nonce = new byte[GcmAead.NonceLength];
    private readonly byte[] _aad = new byte[12];
    private readonly byte[] _payload = new byte[PayloadLength];
    private readonly byte[] _tag = new byte[GcmAead.TagLength];
    private GcmAead _native = null!;
    private GcmAead _intrinsic = null!;

    [GlobalSetup]
    public void Setup()
    {
        var key = new byte[GcmAead.KeyLength];
        new Random(1).NextBytes(key);
        new Random(2).NextBytes(_payload);
        _native = new NativeAesGcm(key);
        _intrinsic = new IntrinsicAesGcm(key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _native.Dispose();
        _intrinsic.Dispose();
    }

    [Benchmark(Baseline = true, Description = "AesGcm (OpenSSL) encrypt+decrypt")]
    public bool Native() => RoundTrip(_native);

    [Benchmark(Description = "managed AES-NI encrypt+decrypt")]
    public bool Intrinsic() => RoundTrip(_intrinsic);

    private bool RoundTrip(GcmAead gcm)
    {
        gcm.Encrypt(_nonce, _payload, _tag, _aad);
        return gcm.Decrypt(_nonce, _payload, _tag, _aad) ? true : throw new InvalidOperationException("tag mismatch");
    }
}
