using System.Runtime.InteropServices;

namespace CallBot.Benchmarks.Srtp;

/// <summary>
/// The few libsrtp 2.x entry points the comparison needs (Debian libsrtp2-1, 2.5.0), benchmark project only.
/// Layout of srtp_policy_t (include/srtp.h, 2.x, LP64):
/// <code>
///   0  srtp_ssrc_t ssrc            { int type; unsigned int value; }
///   8  srtp_crypto_policy_t rtp    { cipher_type, cipher_key_len, auth_type, auth_key_len, auth_tag_len, sec_serv } 6 x int
///  32  srtp_crypto_policy_t rtcp
///  56  unsigned char *key          master key || master salt
///  64  srtp_master_key_t **keys    (unused: NULL)
///  72  unsigned long num_master_keys
///  80  srtp_ekt_policy_t ekt       (2.x only; NULL)
///  88  unsigned long window_size   (0 = default 128)
///  96  int allow_repeat_tx
/// 104  int *enc_xtn_hdr
/// 112  int enc_xtn_hdr_count
/// 120  srtp_policy_t *next
/// </code>
/// Everything after <c>key</c> is left zero, so the struct reads the same whether or not a build still has the EKT field.
/// </summary>
internal static unsafe partial class LibSrtp
{
    private const string Library = "libsrtp2.so.1";

    public const int SsrcAnyInbound = 2;
    public const int SsrcAnyOutbound = 3;

    [StructLayout(LayoutKind.Sequential)]
    public struct CryptoPolicy
    {
        public int CipherType;
        public int CipherKeyLength;
        public int AuthType;
        public int AuthKeyLength;
        public int AuthTagLength;
        public int SecurityServices;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Policy
    {
        public int SsrcType;
        public uint SsrcValue;
        public CryptoPolicy Rtp;
        public CryptoPolicy Rtcp;
        public byte* Key;
        public void* Keys;
        public nuint NumMasterKeys;
        public void* Ekt;
        public nuint WindowSize;
        public int AllowRepeatTx;
        public int* EncryptedExtensionHeaders;
        public int EncryptedExtensionHeaderCount;
        public Policy* Next;
    }

    [LibraryImport(Library, EntryPoint = "srtp_init")]
    public static partial int Init();

    [LibraryImport(Library, EntryPoint = "srtp_create")]
    public static partial int Create(out nint session, Policy* policy);

    [LibraryImport(Library, EntryPoint = "srtp_dealloc")]
    public static partial int Dealloc(nint session);

    [LibraryImport(Library, EntryPoint = "srtp_protect")]
    public static partial int Protect(nint session, byte* packet, int* length);

    [LibraryImport(Library, EntryPoint = "srtp_unprotect")]
    public static partial int Unprotect(nint session, byte* packet, int* length);

    [LibraryImport(Library, EntryPoint = "srtp_crypto_policy_set_rtp_default")]
    public static partial void SetAesCm128HmacSha1Tag80(CryptoPolicy* policy);

    [LibraryImport(Library, EntryPoint = "srtp_crypto_policy_set_aes_gcm_128_16_auth")]
    public static partial void SetAesGcm128(CryptoPolicy* policy);

    private static int s_initStatus = -1;

    /// <summary>srtp_init once per process: a second call fails, and --inProcess runs every case in one process.</summary>
    public static int InitOnce()
    {
        if (s_initStatus != 0)
        {
            s_initStatus = Init();
        }

        return s_initStatus;
    }

    /// <summary>A session with one wildcard stream; <paramref name="masterKeyAndSalt"/> must stay pinned while it lives.</summary>
    public static nint CreateSession(bool gcm, bool outbound, byte* masterKeyAndSalt)
    {
        var policy = default(Policy);
        if (gcm)
        {
            SetAesGcm128(&policy.Rtp);
            SetAesGcm128(&policy.Rtcp);
        }
        else
        {
            SetAesCm128HmacSha1Tag80(&policy.Rtp);
            SetAesCm128HmacSha1Tag80(&policy.Rtcp);
        }

        policy.SsrcType = outbound ? SsrcAnyOutbound : SsrcAnyInbound;
        policy.Key = masterKeyAndSalt;
        var status = Create(out var session, &policy);
        if (status != 0)
        {
            throw new InvalidOperationException($"srtp_create failed: {status}");
        }

        return session;
    }
}
