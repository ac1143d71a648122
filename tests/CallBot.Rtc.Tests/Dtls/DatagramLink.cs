using CallBot.Rtc.Dtls;

namespace CallBot.Rtc.Tests.Dtls;

/// <summary>
/// An in-memory datagram path between two DTLS endpoints: each send is delivered to the other side's
/// OnDatagram, except those the seeded loss model drops. Records what each side sent.
/// The model drops a given handshake datagram (and its retransmissions) at most <see cref="MaxDropsPerDatagram"/>
/// times: which copies a shared random sequence hits depends on how many spurious resends a loaded machine made,
/// and an unbounded streak on one flight doubles the resend timer up to a minute.
/// </summary>
internal sealed class DatagramLink
{
    private readonly Random random;
    private readonly double lossRate;
    private readonly Lock gate = new();
    private readonly Dictionary<(bool FromA, long Key), int> dropsPerDatagram = [];

    public const int MaxDropsPerDatagram = 2;

    public DatagramLink(double lossRate = 0, int seed = 1)
    {
        this.lossRate = lossRate;
        random = new Random(seed);
    }

    public DtlsSrtpTransport? A { get; set; }
    public DtlsSrtpTransport? B { get; set; }

    public List<byte[]> SentByA { get; } = [];
    public List<byte[]> SentByB { get; } = [];
    public int Dropped { get; private set; }

    public void SendFromA(ReadOnlySpan<byte> datagram) => Deliver(datagram, SentByA, B, fromA: true);

    public void SendFromB(ReadOnlySpan<byte> datagram) => Deliver(datagram, SentByB, A, fromA: false);

    private void Deliver(ReadOnlySpan<byte> datagram, List<byte[]> log, DtlsSrtpTransport? to, bool fromA)
    {
        bool drop;
        lock (gate)
        {
            log.Add(datagram.ToArray());
            drop = lossRate > 0 && random.NextDouble() < lossRate;
            if (drop)
            {
                var key = (fromA, RetransmissionKey(datagram));
                dropsPerDatagram.TryGetValue(key, out var drops);
                drop = drops < MaxDropsPerDatagram;
                dropsPerDatagram[key] = drops + 1;
            }

            if (drop)
            {
                Dropped++;
            }
        }

        if (!drop)
        {
            to?.OnDatagram(datagram);
        }
    }

    /// <summary>
    /// What stays the same when a flight is resent (the record sequence number does not). DTLS record header:
    /// type(1) version(2) epoch(2) sequence(6) length(2); a plaintext handshake record then has msg_type(1)
    /// length(3) message_seq(2) fragment_offset(3). Encrypted records are told apart by type, epoch and length.
    /// </summary>
    private static long RetransmissionKey(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 13)
        {
            return datagram.Length;
        }

        long key = ((long)datagram[0] << 48) | ((long)datagram[3] << 40) | ((long)datagram[4] << 32);
        if (datagram[0] == 22 && datagram[3] == 0 && datagram[4] == 0 && datagram.Length >= 25)
        {
            return key | ((long)datagram[17] << 24) | ((long)datagram[18] << 16) | ((long)datagram[20] << 8) | datagram[21];
        }

        return key | (uint)datagram.Length;
    }
}
