using System.Buffers.Binary;
using CallBot.Rtc.Dtls;

namespace CallBot.Rtc.Tests.Dtls;

/// <summary>
/// An in-memory datagram path between two DTLS endpoints: each send is delivered to the other side's OnDatagram,
/// except those the loss model drops. Loss is independent per datagram (a seeded Bernoulli draw for every datagram,
/// retransmissions included): no cap on how often one flight may be hit. Records what each side sent.
/// With <c>finishedFirst</c> every datagram is split into its DTLS records and a record of epoch ≥ 1 that follows a
/// ChangeCipherSpec is delivered before it, as a path that reorders datagrams would deliver a peer that sends each
/// record on its own (the Finished overtakes the ChangeCipherSpec sent right before it).
/// <see cref="DropWhen"/> drops chosen datagrams (by sender and index of the send) on top of the random loss.
/// </summary>
internal sealed class DatagramLink
{
    private const byte ChangeCipherSpec = 20;

    private readonly Random random;
    private readonly double lossRate;
    private readonly bool finishedFirst;
    private readonly Lock gate = new();

    public DatagramLink(double lossRate = 0, int seed = 1, bool finishedFirst = false)
    {
        this.lossRate = lossRate;
        this.finishedFirst = finishedFirst;
        random = new Random(seed);
    }

    public DtlsSrtpTransport? A { get; set; }
    public DtlsSrtpTransport? B { get; set; }

    public List<byte[]> SentByA { get; } = [];
    public List<byte[]> SentByB { get; } = [];
    public int Dropped { get; private set; }

    /// <summary>Drops a datagram when it returns true: (sent by A, index of this side's send, starting at 0).</summary>
    public Func<bool, int, bool>? DropWhen { get; set; }

    public void SendFromA(ReadOnlySpan<byte> datagram) => Deliver(datagram, SentByA, B, fromA: true);

    public void SendFromB(ReadOnlySpan<byte> datagram) => Deliver(datagram, SentByB, A, fromA: false);

    /// <summary>The DTLS records of a datagram (RFC 6347 §4.1 header: type, version, epoch, sequence, length).</summary>
    public static List<byte[]> Records(ReadOnlySpan<byte> datagram)
    {
        var records = new List<byte[]>();
        while (datagram.Length >= 13)
        {
            var length = 13 + BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
            if (length > datagram.Length)
            {
                break;
            }

            records.Add(datagram[..length].ToArray());
            datagram = datagram[length..];
        }

        return records;
    }

    private void Deliver(ReadOnlySpan<byte> datagram, List<byte[]> log, DtlsSrtpTransport? to, bool fromA)
    {
        bool drop;
        lock (gate)
        {
            log.Add(datagram.ToArray());
            drop = (lossRate > 0 && random.NextDouble() < lossRate) | (DropWhen?.Invoke(fromA, log.Count - 1) ?? false);
            if (drop)
            {
                Dropped++;
            }
        }

        if (drop || to is null)
        {
            return;
        }

        if (!finishedFirst)
        {
            to.OnDatagram(datagram);
            return;
        }

        var records = Records(datagram);
        for (var i = 0; i < records.Count; i++)
        {
            var overtakes = records[i][0] == ChangeCipherSpec && i + 1 < records.Count && records[i + 1][4] > 0;
            if (overtakes)
            {
                to.OnDatagram(records[i + 1]);
                to.OnDatagram(records[i]);
                i++;
            }
            else
            {
                to.OnDatagram(records[i]);
            }
        }
    }
}
