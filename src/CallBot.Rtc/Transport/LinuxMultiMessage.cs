using System.Runtime.InteropServices;

namespace CallBot.Rtc.Transport;

/// <summary>
/// <c>sendmmsg(2)</c> and <c>recvmmsg(2)</c> from glibc (Linux ≥ 3.0 / 2.6.33): many datagrams in one system call.
/// Declared with <see cref="DllImportAttribute"/> on blittable types (the headers passed by reference: pinned, not
/// copied) and arrays allocated pinned, so the product keeps <c>AllowUnsafeBlocks</c> off. Layouts are the LP64 ones (x86-64, arm64):
/// <code>
///   struct iovec   { void *iov_base; size_t iov_len; }                                          16 bytes
///   struct msghdr  { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov; size_t msg_iovlen;
///                    void *msg_control; size_t msg_controllen; int msg_flags; }                 56 bytes
///   struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; }                             64 bytes
/// </code>
/// </summary>
internal static class LinuxMultiMessage
{
    public const int MsgTruncated = 0x20;
    public const int MsgDontWait = 0x40;
    public const int ErrorAgain = 11;
    public const int ErrorInterrupted = 4;
    public const int ErrorNoSystemCall = 38;

    /// <summary>True where the calls and the layouts above apply.</summary>
    public static bool IsAvailable { get; } =
        OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public nint Base;
        public nuint Length;
    }

    /// <summary>struct mmsghdr: msghdr's int msg_flags is padded to 8 bytes before msg_len (offsets as in the C layout).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct MessageHeader
    {
        [FieldOffset(0)]
        public nint Name;
        [FieldOffset(8)]
        public uint NameLength;
        [FieldOffset(16)]
        public nint IoVectors;
        [FieldOffset(24)]
        public nuint IoVectorCount;
        [FieldOffset(32)]
        public nint Control;
        [FieldOffset(40)]
        public nuint ControlLength;
        [FieldOffset(48)]
        public int Flags;
        [FieldOffset(56)]
        public uint Length;
    }

    [DllImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int SendMultiple(SafeHandle socket, ref MessageHeader messages, uint count, int flags);

    [DllImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int ReceiveMultiple(SafeHandle socket, ref MessageHeader messages, uint count, int flags, nint timeout);
}
