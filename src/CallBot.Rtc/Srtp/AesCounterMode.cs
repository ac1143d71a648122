using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CallBot.Rtc.Srtp;

/// <summary>
/// AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): block j of the keystream is AES(k, IV + j), with j in
/// the low 16 bits of the IV (which the IV constructions leave zero). Counter blocks are encrypted with a
/// cached ECB transform into fixed scratch arrays, so XORing a packet allocates nothing. Not thread-safe.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    private const int BlocksPerChunk = 32;
    private const int ChunkBytes = BlocksPerChunk * SrtpKeyDerivation.BlockSize;

    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counters = new byte[ChunkBytes];
    private readonly byte[] _keystream = new byte[ChunkBytes];

    public AesCounterMode(Aes aes)
    {
        aes.Mode = CipherMode.ECB;
        aes.Padding = PaddingMode.None;
        _ecb = aes.CreateEncryptor();
    }

    /// <summary>XORs <paramref name="data"/> with the keystream that starts at counter block <paramref name="iv"/>.</summary>
    public void Xor(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        var block = 0;
        while (!data.IsEmpty)
        {
            var chunk = Math.Min(data.Length, ChunkBytes);
            var blocks = (chunk + SrtpKeyDerivation.BlockSize - 1) / SrtpKeyDerivation.BlockSize;
            for (var b = 0; b < blocks; b++)
            {
                var counter = _counters.AsSpan(b * SrtpKeyDerivation.BlockSize, SrtpKeyDerivation.BlockSize);
                iv[..14].CopyTo(counter);
                var low = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(iv[14..]) + block + b);
                BinaryPrimitives.WriteUInt16BigEndian(counter[14..], low);
            }

            var bytes = blocks * SrtpKeyDerivation.BlockSize;
            _ecb.TransformBlock(_counters, 0, bytes, _keystream, 0);
            XorInPlace(data[..chunk], _keystream.AsSpan(0, chunk));
            data = data[chunk..];
            block += blocks;
        }
    }

    public void Dispose() => _ecb.Dispose();

    private static void XorInPlace(Span<byte> data, ReadOnlySpan<byte> key)
    {
        var i = 0;
        var wide = System.Numerics.Vector<byte>.Count;
        for (; i + wide <= data.Length; i += wide)
        {
            var v = new System.Numerics.Vector<byte>(data[i..]) ^ new System.Numerics.Vector<byte>(key[i..]);
            v.CopyTo(data[i..]);
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= key[i];
        }
    }
}
