namespace CallBot.Rtc.Transport;

/// <summary>
/// One 2 KiB scratch buffer per thread for each user type <typeparamref name="TUser"/>: a send path copies a packet into
/// it, rewrites it and hands it on before returning.
/// </summary>
/// <remarks>
/// Why not <c>ArrayPool&lt;byte&gt;.Shared</c>: its per-thread cache holds one array per size, and the send path rents
/// two of that size nested (the transport-cc stamper, then SRTP). The second came from the pool's shared per-core
/// stacks, where any pool thread that sends RTCP could take the one spare, and the sender then allocated a new array
/// (2,072 B seen once in 1,800 packets by AllocationTests). Here each user has its own slot per thread, so nesting two
/// users takes two slots, and a thread's buffer is made once. A nested take by the same user on the same thread (not done
/// today) gets a fresh array rather than a shared one. Memory: 2 KiB per user type per thread that ever sent.
/// </remarks>
/// <typeparam name="TUser">The class whose slot this is (a generic type's static fields are per closed type).</typeparam>
internal static class ScratchBuffer<TUser>
{
    public const int Size = 2048;

    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>This thread's buffer, now the caller's until <see cref="Return"/>.</summary>
    public static byte[] Take()
    {
        var buffer = t_buffer ?? new byte[Size];
        t_buffer = null;
        return buffer;
    }

    /// <summary>Gives the buffer back to this thread's slot.</summary>
    public static void Return(byte[] buffer) => t_buffer = buffer;
}
