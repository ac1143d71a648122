using System.Security.Cryptography;
using CallBot.Rtc.Srtp;
using CallBot.TestSupport.Fuzz;
using CsCheck;

namespace CallBot.Rtc.Tests.Srtp;

/// <summary>
/// Both AES-128-GCM implementations against the GCM specification's test cases (McGrew and Viega, "The Galois/Counter
/// Mode of Operation", appendix B, cases 1–4, as used by NIST's GCMVS), and the managed one against .NET's
/// <see cref="AesGcm"/> on random keys, nonces, AAD and lengths.
/// </summary>
public sealed class GcmAeadTests
{
    private const string Case3Key = "feffe9928665731c6d6a8f9467308308";
    private const string Case3Nonce = "cafebabefacedbaddecaf888";
    private const string Case3Plain =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    private const string Case3Cipher =
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";

    public static TheoryData<string, string, string, string, string, string, string> Vectors => new()
    {
        // implementation, key, nonce, aad, plaintext, ciphertext, tag
        { "intrinsic", "00000000000000000000000000000000", "000000000000000000000000", "", "", "", "58e2fccefa7e3061367f1d57a4e7455a" },
        { "intrinsic", "00000000000000000000000000000000", "000000000000000000000000", "", "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf" },
        { "intrinsic", Case3Key, Case3Nonce, "", Case3Plain, Case3Cipher, "4d5c2af327cd64a62cf35abd2ba6fab4" },
        { "intrinsic", Case3Key, Case3Nonce, "feedfacedeadbeeffeedfacedeadbeefabaddad2", Case3Plain[..120], Case3Cipher[..120], "5bc94fbc3221a5db94fae95ae7121a47" },
        { "native", "00000000000000000000000000000000", "000000000000000000000000", "", "", "", "58e2fccefa7e3061367f1d57a4e7455a" },
        { "native", Case3Key, Case3Nonce, "feedfacedeadbeeffeedfacedeadbeefabaddad2", Case3Plain[..120], Case3Cipher[..120], "5bc94fbc3221a5db94fae95ae7121a47" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encrypt_and_decrypt_match_the_specification_vectors(string implementation, string key, string nonce, string aad, string plain, string cipher, string tag)
    {
        using var gcm = Create(implementation, Convert.FromHexString(key));
        var data = Convert.FromHexString(plain);
        var computedTag = new byte[GcmAead.TagLength];

        gcm.Encrypt(Convert.FromHexString(nonce), data, computedTag, Convert.FromHexString(aad));
        Assert.Equal(cipher, Convert.ToHexString(data), ignoreCase: true);
        Assert.Equal(tag, Convert.ToHexString(computedTag), ignoreCase: true);

        Assert.True(gcm.Decrypt(Convert.FromHexString(nonce), data, computedTag, Convert.FromHexString(aad)));
        Assert.Equal(plain, Convert.ToHexString(data), ignoreCase: true);
    }

    [Fact]
    public void The_managed_implementation_is_the_one_chosen_on_this_cpu()
    {
        Assert.True(IntrinsicAesGcm.IsSupported, "this x86-64 CPU has AES-NI and PCLMULQDQ; the fast path must run in the suite");
        using var gcm = GcmAead.Create(new byte[GcmAead.KeyLength]);
        Assert.IsType<IntrinsicAesGcm>(gcm);
    }

    [Fact]
    public void Managed_matches_AesGcm_on_random_inputs()
    {
        // Lengths straddle the 4-block loop, the 1-block loop and the partial tail; AAD like RTP headers and longer.
        var inputs = Gen.Select(Gen.Byte.Array[GcmAead.KeyLength], Gen.Byte.Array[GcmAead.NonceLength], Gen.Byte.Array[0, 80], Gen.Byte.Array[0, 1300]);
        inputs.Sample(
            (key, nonce, aad, plain) =>
            {
                using var reference = new AesGcm(key, GcmAead.TagLength);
                using var managed = new IntrinsicAesGcm(key);
                var expected = new byte[plain.Length];
                var expectedTag = new byte[GcmAead.TagLength];
                reference.Encrypt(nonce, plain, expected, expectedTag, aad);

                var data = (byte[])plain.Clone();
                var tag = new byte[GcmAead.TagLength];
                managed.Encrypt(nonce, data, tag, aad);
                Assert.Equal(expected, data);
                Assert.Equal(expectedTag, tag);

                Assert.True(managed.Decrypt(nonce, data, tag, aad));
                Assert.Equal(plain, data);
            },
            iter: FuzzBudget.Iterations(2_000),
            time: FuzzBudget.Seconds,
            seed: FuzzBudget.Seed,
            writeLine: FuzzBudget.Report);
    }

    [Fact]
    public void Managed_rejects_any_flipped_bit_and_zeroes_the_output()
    {
        var key = RandomNumberGenerator.GetBytes(GcmAead.KeyLength);
        var nonce = RandomNumberGenerator.GetBytes(GcmAead.NonceLength);
        var aad = RandomNumberGenerator.GetBytes(12);
        var plain = RandomNumberGenerator.GetBytes(100);
        using var gcm = new IntrinsicAesGcm(key);
        var cipher = (byte[])plain.Clone();
        var tag = new byte[GcmAead.TagLength];
        gcm.Encrypt(nonce, cipher, tag, aad);

        // One bit flipped in each of the AAD, the ciphertext, the tag and the nonce.
        var cases = new (int Part, int Bit)[] { (0, 5), (1, 0), (1, 799), (2, 127), (3, 3) };
        foreach (var (part, bit) in cases)
        {
            byte[][] copies = [(byte[])aad.Clone(), (byte[])cipher.Clone(), (byte[])tag.Clone(), (byte[])nonce.Clone()];
            copies[part][bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(gcm.Decrypt(copies[3], copies[1], copies[2], copies[0]), $"part {part} bit {bit}");
            Assert.All(copies[1], b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public void Dispose_zeroes_the_round_keys_and_hash_key_powers()
    {
        var gcm = new IntrinsicAesGcm(RandomNumberGenerator.GetBytes(GcmAead.KeyLength));
        Assert.Contains(gcm.KeyMaterial.ToArray(), b => b != 0);

        gcm.Dispose();

        Assert.All(gcm.KeyMaterial.ToArray(), b => Assert.Equal(0, b));
    }

    private static GcmAead Create(string implementation, byte[] key) =>
        implementation == "native" ? new NativeAesGcm(key) : new IntrinsicAesGcm(key);
}
