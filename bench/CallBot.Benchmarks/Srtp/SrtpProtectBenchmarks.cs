using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Srtp;

namespace CallBot.Benchmarks.Srtp;

/// <summary>
/// Protect + unprotect of one 1200-byte RTP packet (12-byte header, 1188 payload), CallBot next to libsrtp2.
/// Each operation copies the plain packet into the work buffer, bumps the sequence number (both stacks keep a
/// replay window), protects and unprotects it in place.
/// </summary>
[MemoryDiagnoser]
public unsafe class SrtpProtectBenchmarks
{
    private const int PacketLength = 1200;

    private readonly byte[] template = new byte[PacketLength];
    private byte[] buffer = null!;
    private byte* pinnedBuffer;
    private byte* libSrtpKey;
    private SrtpContext sender = null!;
    private SrtpContext receiver = null!;
    private nint libSrtpSender;
    private nint libSrtpReceiver;
    private ushort callBotSequence;
    private ushort libSrtpSequence;

    [Params("AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM")]
    public string Profile { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var gcm = Profile == "AEAD_AES_128_GCM";
        var profile = gcm ? SrtpProfile.AeadAes128Gcm : SrtpProfile.Aes128CmHmacSha1Tag80;
        var key = new byte[profile.MasterKeyLength];
        var salt = new byte[profile.MasterSaltLength];
        new Random(1).NextBytes(key);
        new Random(2).NextBytes(salt);
        sender = new SrtpContext(profile, key, salt);
        receiver = new SrtpContext(profile, key, salt);

        template[0] = 0x80;
        template[1] = 96;
        BinaryPrimitives.WriteUInt32BigEndian(template.AsSpan(8), 0x12345678);
        new Random(3).NextBytes(template.AsSpan(12));

        buffer = GC.AllocateArray<byte>(PacketLength + 64, pinned: true);
        pinnedBuffer = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);

        if (LibSrtp.InitOnce() != 0)
        {
            throw new InvalidOperationException("srtp_init failed");
        }

        libSrtpKey = (byte*)NativeMemory.AllocZeroed(64);
        key.CopyTo(new Span<byte>(libSrtpKey, key.Length));
        salt.CopyTo(new Span<byte>(libSrtpKey + key.Length, salt.Length));
        libSrtpSender = LibSrtp.CreateSession(gcm, outbound: true, libSrtpKey);
        libSrtpReceiver = LibSrtp.CreateSession(gcm, outbound: false, libSrtpKey);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        sender.Dispose();
        receiver.Dispose();
        _ = LibSrtp.Dealloc(libSrtpSender);
        _ = LibSrtp.Dealloc(libSrtpReceiver);
        NativeMemory.Free(libSrtpKey);
    }

    [Benchmark(Baseline = true, Description = "libsrtp2 protect+unprotect")]
    public int LibSrtp2()
    {
        template.CopyTo(buffer, 0);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), ++libSrtpSequence);
        var length = PacketLength;
        if (LibSrtp.Protect(libSrtpSender, pinnedBuffer, &length) != 0 || LibSrtp.Unprotect(libSrtpReceiver, pinnedBuffer, &length) != 0)
        {
            throw new InvalidOperationException("libsrtp round trip failed");
        }

        return length;
    }

    [Benchmark(Description = "CallBot protect+unprotect")]
    public int CallBot()
    {
        template.CopyTo(buffer, 0);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), ++callBotSequence);
        if (!sender.TryProtectRtp(buffer, PacketLength, out var length) || !receiver.TryUnprotectRtp(buffer, length, out length))
        {
            throw new InvalidOperationException("CallBot round trip failed");
        }

        return length;
    }
}
