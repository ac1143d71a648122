using CallBot.Rtc.Dtls;

namespace CallBot.Rtc.Tests.Dtls;

/// <summary>
/// An in-memory datagram path between two DTLS endpoints: each send is delivered to the other side's
/// OnDatagram, except those the seeded loss model drops. Records what each side sent.
/// </summary>
internal sealed class DatagramLink
{
    private readonly Random random;
    private readonly double lossRate;
    private readonly Lock gate = new();

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

    public void SendFromA(ReadOnlySpan<byte> datagram) => Deliver(datagram, SentByA, B);

    public void SendFromB(ReadOnlySpan<byte> datagram) => Deliver(datagram, SentByB, A);

    private void Deliver(ReadOnlySpan<byte> datagram, List<byte[]> log, DtlsSrtpTransport? to)
    {
        bool drop;
        lock (gate)
        {
            log.Add(datagram.ToArray());
            drop = lossRate > 0 && random.NextDouble() < lossRate;
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
}
