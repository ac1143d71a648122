using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace CallBot.Rtc.Srtp;

/// <summary>
/// AES-128-GCM (NIST SP 800-38D) on x86 intrinsics: AES-NI for the cipher, PCLMULQDQ for GHASH. Four counter blocks
/// are encrypted together (AESENC has a latency of several cycles and a throughput of one) and their four GHASH
/// products are summed before one reduction (with H⁴..H¹ precomputed). No table lookups, no branches on secret data,
/// and the tag is compared in one vector compare, so timing does not depend on key, data or tag. Round keys and the
/// powers of H are zeroed on <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// GHASH works on byte-reflected blocks (Gueron and Kounavis, "Intel Carry-Less Multiplication Instruction and its
/// Usage for Computing the GCM Mode", rev. 2.02, algorithm 5): every block is byte-reversed once, multiplied, and the
/// 256-bit product is shifted left by one bit and reduced modulo x¹²⁸ + x⁷ + x² + x + 1.
/// </remarks>
internal sealed class IntrinsicAesGcm : GcmAead
{
    private const int Rounds = 10;
    private const int BlockSize = 16;
    private const int ParallelBlocks = 4;
    private const int H1 = Rounds + 1;
    private const int H2 = H1 + 1;
    private const int H3 = H1 + 2;
    private const int H4 = H1 + 3;

    // Round keys 0..10, then H¹..H⁴ (byte-reflected). One array, so Dispose zeroes all key material at once.
    private readonly Vector128<byte>[] _keys = new Vector128<byte>[Rounds + 1 + ParallelBlocks];

    public IntrinsicAesGcm(ReadOnlySpan<byte> key)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("AES-NI, PCLMULQDQ and SSSE3 are required.");
        }

        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"AES-128-GCM takes a {KeyLength}-byte key.", nameof(key));
        }

        ExpandKey(Vector128.Create(key), _keys);
        var h = Reflect(EncryptBlock(Vector128<byte>.Zero));
        _keys[H1] = h;
        _keys[H2] = GhashMultiply(h, h);
        _keys[H3] = GhashMultiply(_keys[H2], h);
        _keys[H4] = GhashMultiply(_keys[H3], h);
    }

    public static bool IsSupported => X86Aes.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported;

    public override void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> data, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        CheckLengths(nonce, tag.Length);
        ComputeTag(nonce, data, aad, decrypt: false).CopyTo(tag);
    }

    public override bool Decrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        CheckLengths(nonce, tag.Length);
        var expected = ComputeTag(nonce, data, aad, decrypt: true);

        // One compare of all 16 bytes: no early exit on the first differing byte.
        if (expected == Vector128.Create(tag))
        {
            return true;
        }

        CryptographicOperations.ZeroMemory(data);
        return false;
    }

    /// <summary>Round keys and powers of H as bytes; for the test that <see cref="Dispose"/> zeroes them.</summary>
    internal ReadOnlySpan<byte> KeyMaterial => MemoryMarshal.AsBytes(_keys.AsSpan());

    public override void Dispose() => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_keys.AsSpan()));

    private static void CheckLengths(ReadOnlySpan<byte> nonce, int tagLength)
    {
        if (nonce.Length != NonceLength || tagLength != TagLength)
        {
            throw new ArgumentException($"AES-GCM here takes a {NonceLength}-byte nonce and a {TagLength}-byte tag.");
        }
    }

    /// <summary>CTR-encrypts (or decrypts) data in place from counter 2 and returns the tag E(K, J0) ⊕ GHASH(A, C).</summary>
    private Vector128<byte> ComputeTag(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> aad, bool decrypt)
    {
        var keys = _keys.AsSpan();
        var k0 = keys[0];
        var k1 = keys[1];
        var k2 = keys[2];
        var k3 = keys[3];
        var k4 = keys[4];
        var k5 = keys[5];
        var k6 = keys[6];
        var k7 = keys[7];
        var k8 = keys[8];
        var k9 = keys[9];
        var k10 = keys[10];
        var h1 = keys[H1];
        var h2 = keys[H2];
        var h3 = keys[H3];
        var h4 = keys[H4];

        // Counter block i is nonce || BE32(i); J0 (i = 1) masks the tag, data starts at i = 2.
        var counterBase = Vector128.Create(
            MemoryMarshal.Read<uint>(nonce),
            MemoryMarshal.Read<uint>(nonce[4..]),
            MemoryMarshal.Read<uint>(nonce[8..]),
            0u);
        var ghash = HashAad(aad, h1);
        uint counter = 2;
        ref var start = ref MemoryMarshal.GetReference(data);
        nuint offset = 0;
        var remaining = data.Length;

        while (remaining >= ParallelBlocks * BlockSize)
        {
            var c0 = CounterBlock(counterBase, counter) ^ k0;
            var c1 = CounterBlock(counterBase, counter + 1) ^ k0;
            var c2 = CounterBlock(counterBase, counter + 2) ^ k0;
            var c3 = CounterBlock(counterBase, counter + 3) ^ k0;
            Round(ref c0, ref c1, ref c2, ref c3, k1);
            Round(ref c0, ref c1, ref c2, ref c3, k2);
            Round(ref c0, ref c1, ref c2, ref c3, k3);
            Round(ref c0, ref c1, ref c2, ref c3, k4);
            Round(ref c0, ref c1, ref c2, ref c3, k5);
            Round(ref c0, ref c1, ref c2, ref c3, k6);
            Round(ref c0, ref c1, ref c2, ref c3, k7);
            Round(ref c0, ref c1, ref c2, ref c3, k8);
            Round(ref c0, ref c1, ref c2, ref c3, k9);
            c0 = X86Aes.EncryptLast(c0, k10);
            c1 = X86Aes.EncryptLast(c1, k10);
            c2 = X86Aes.EncryptLast(c2, k10);
            c3 = X86Aes.EncryptLast(c3, k10);

            var in0 = Vector128.LoadUnsafe(ref start, offset);
            var in1 = Vector128.LoadUnsafe(ref start, offset + BlockSize);
            var in2 = Vector128.LoadUnsafe(ref start, offset + (2 * BlockSize));
            var in3 = Vector128.LoadUnsafe(ref start, offset + (3 * BlockSize));
            var out0 = in0 ^ c0;
            var out1 = in1 ^ c1;
            var out2 = in2 ^ c2;
            var out3 = in3 ^ c3;
            out0.StoreUnsafe(ref start, offset);
            out1.StoreUnsafe(ref start, offset + BlockSize);
            out2.StoreUnsafe(ref start, offset + (2 * BlockSize));
            out3.StoreUnsafe(ref start, offset + (3 * BlockSize));

            // GHASH always runs over the ciphertext: the input when decrypting, the output when encrypting.
            var lo = Vector128<ulong>.Zero;
            var mid = Vector128<ulong>.Zero;
            var hi = Vector128<ulong>.Zero;
            MultiplyAdd(ghash ^ Reflect(decrypt ? in0 : out0), h4, ref lo, ref mid, ref hi);
            MultiplyAdd(Reflect(decrypt ? in1 : out1), h3, ref lo, ref mid, ref hi);
            MultiplyAdd(Reflect(decrypt ? in2 : out2), h2, ref lo, ref mid, ref hi);
            MultiplyAdd(Reflect(decrypt ? in3 : out3), h1, ref lo, ref mid, ref hi);
            ghash = Reduce(lo, mid, hi);

            counter += ParallelBlocks;
            offset += ParallelBlocks * BlockSize;
            remaining -= ParallelBlocks * BlockSize;
        }

        while (remaining >= BlockSize)
        {
            var input = Vector128.LoadUnsafe(ref start, offset);
            var output = input ^ EncryptBlock(CounterBlock(counterBase, counter));
            output.StoreUnsafe(ref start, offset);
            ghash = GhashMultiply(ghash ^ Reflect(decrypt ? input : output), h1);
            counter++;
            offset += BlockSize;
            remaining -= BlockSize;
        }

        if (remaining > 0)
        {
            // The last partial block: XOR through a zero-padded copy; GHASH takes the ciphertext zero-padded.
            var tail = data[(int)offset..];
            var block = Vector128<byte>.Zero;
            var blockBytes = MemoryMarshal.CreateSpan(ref Unsafe.As<Vector128<byte>, byte>(ref block), BlockSize);
            tail.CopyTo(blockBytes);
            var output = block ^ EncryptBlock(CounterBlock(counterBase, counter));
            var outputBytes = MemoryMarshal.CreateSpan(ref Unsafe.As<Vector128<byte>, byte>(ref output), BlockSize);
            outputBytes[..remaining].CopyTo(tail);
            outputBytes[remaining..].Clear();
            ghash = GhashMultiply(ghash ^ Reflect(decrypt ? block : output), h1);
        }

        // len(A) || len(C) in bits, big-endian 64-bit each; byte-reflected that is (len(C), len(A)) as little-endian ulongs.
        var lengths = Vector128.Create((ulong)data.Length * 8, (ulong)aad.Length * 8).AsByte();
        ghash = GhashMultiply(ghash ^ lengths, h1);
        return Reflect(ghash) ^ EncryptBlock(CounterBlock(counterBase, 1));
    }

    private static Vector128<byte> HashAad(ReadOnlySpan<byte> aad, Vector128<byte> h1)
    {
        var ghash = Vector128<byte>.Zero;
        while (aad.Length >= BlockSize)
        {
            ghash = GhashMultiply(ghash ^ Reflect(Vector128.Create(aad)), h1);
            aad = aad[BlockSize..];
        }

        if (!aad.IsEmpty)
        {
            var block = Vector128<byte>.Zero;
            aad.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<Vector128<byte>, byte>(ref block), BlockSize));
            ghash = GhashMultiply(ghash ^ Reflect(block), h1);
        }

        return ghash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> CounterBlock(Vector128<uint> counterBase, uint counter) =>
        counterBase.WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref Vector128<byte> c0, ref Vector128<byte> c1, ref Vector128<byte> c2, ref Vector128<byte> c3, Vector128<byte> key)
    {
        c0 = X86Aes.Encrypt(c0, key);
        c1 = X86Aes.Encrypt(c1, key);
        c2 = X86Aes.Encrypt(c2, key);
        c3 = X86Aes.Encrypt(c3, key);
    }

    private Vector128<byte> EncryptBlock(Vector128<byte> block)
    {
        var keys = _keys.AsSpan(0, Rounds + 1);
        block ^= keys[0];
        for (var round = 1; round < Rounds; round++)
        {
            block = X86Aes.Encrypt(block, keys[round]);
        }

        return X86Aes.EncryptLast(block, keys[Rounds]);
    }

    // FIPS 197 §5.2 with AESKEYGENASSIST (Intel AES-NI white paper, AES_128_Key_Expansion); the round constant
    // is an instruction immediate, hence one line a round.
    private static void ExpandKey(Vector128<byte> key, Span<Vector128<byte>> roundKeys)
    {
        roundKeys[0] = key;
        roundKeys[1] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x01));
        roundKeys[2] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x02));
        roundKeys[3] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x04));
        roundKeys[4] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x08));
        roundKeys[5] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x10));
        roundKeys[6] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x20));
        roundKeys[7] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x40));
        roundKeys[8] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x80));
        roundKeys[9] = key = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x1b));
        roundKeys[10] = NextRoundKey(key, X86Aes.KeygenAssist(key, 0x36));
    }

    /// <summary>w[i] = w[i-4] ⊕ w[i-1] for the four words: key ⊕ key≪32 ⊕ key≪64 ⊕ key≪96, then the assisted word.</summary>
    private static Vector128<byte> NextRoundKey(Vector128<byte> key, Vector128<byte> assist)
    {
        var word = Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();
        var shifted = Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= shifted;
        shifted = Sse2.ShiftLeftLogical128BitLane(shifted, 4);
        key ^= shifted;
        shifted = Sse2.ShiftLeftLogical128BitLane(shifted, 4);
        return key ^ shifted ^ word;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reflect(Vector128<byte> block) =>
        Ssse3.Shuffle(block, Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));

    private static Vector128<byte> GhashMultiply(Vector128<byte> a, Vector128<byte> b)
    {
        var lo = Vector128<ulong>.Zero;
        var mid = Vector128<ulong>.Zero;
        var hi = Vector128<ulong>.Zero;
        MultiplyAdd(a, b, ref lo, ref mid, ref hi);
        return Reduce(lo, mid, hi);
    }

    /// <summary>Adds the unreduced 256-bit carry-less product a·b (schoolbook: lo, mid = cross terms, hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(Vector128<byte> a, Vector128<byte> b, ref Vector128<ulong> lo, ref Vector128<ulong> mid, ref Vector128<ulong> hi)
    {
        var x = a.AsUInt64();
        var y = b.AsUInt64();
        lo ^= Pclmulqdq.CarrylessMultiply(x, y, 0x00);
        hi ^= Pclmulqdq.CarrylessMultiply(x, y, 0x11);
        mid ^= Pclmulqdq.CarrylessMultiply(x, y, 0x10) ^ Pclmulqdq.CarrylessMultiply(x, y, 0x01);
    }

    /// <summary>Shifts the reflected 256-bit product left by one bit and reduces it modulo the GCM polynomial.</summary>
    private static Vector128<byte> Reduce(Vector128<ulong> lo, Vector128<ulong> mid, Vector128<ulong> hi)
    {
        var low = (lo ^ Sse2.ShiftLeftLogical128BitLane(mid, 8)).AsUInt32();
        var high = (hi ^ Sse2.ShiftRightLogical128BitLane(mid, 8)).AsUInt32();

        // Shift the 256-bit value high:low left by one bit.
        var lowCarry = Sse2.ShiftRightLogical(low, 31);
        var highCarry = Sse2.ShiftRightLogical(high, 31);
        low = Sse2.ShiftLeftLogical(low, 1);
        high = Sse2.ShiftLeftLogical(high, 1);
        var crossCarry = Sse2.ShiftRightLogical128BitLane(lowCarry, 12);
        highCarry = Sse2.ShiftLeftLogical128BitLane(highCarry, 4);
        lowCarry = Sse2.ShiftLeftLogical128BitLane(lowCarry, 4);
        low |= lowCarry;
        high |= highCarry | crossCarry;

        // Reduce: first phase.
        var t = Sse2.ShiftLeftLogical(low, 31) ^ Sse2.ShiftLeftLogical(low, 30) ^ Sse2.ShiftLeftLogical(low, 25);
        var carried = Sse2.ShiftRightLogical128BitLane(t, 4);
        low ^= Sse2.ShiftLeftLogical128BitLane(t, 12);

        // Second phase.
        var u = Sse2.ShiftRightLogical(low, 1) ^ Sse2.ShiftRightLogical(low, 2) ^ Sse2.ShiftRightLogical(low, 7) ^ carried;
        return (high ^ low ^ u).AsByte();
    }
}
