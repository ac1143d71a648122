namespace CallBot.Rtc.Bwe;

/// <summary>One sent packet as transport-cc feedback reported it.</summary>
/// <param name="SendTimestamp">When we sent it (<see cref="TimeProvider"/> timestamp).</param>
/// <param name="Size">Bytes of the RTP packet.</param>
/// <param name="ArrivalMicroseconds">Arrival on the receiver's clock (any origin, may be negative), or <see cref="NotReceived"/>.</param>
/// <param name="ProbeClusterId">The probe cluster it belonged to (<see cref="ProbeController"/>), or -1 for media.</param>
public readonly record struct SentPacketResult(long SendTimestamp, int Size, long ArrivalMicroseconds, int ProbeClusterId = -1)
{
    public const long NotReceived = long.MinValue;

    public bool Received => ArrivalMicroseconds != NotReceived;
}

/// <summary>
/// Sender half of transport-wide congestion control: assigns the connection's transport sequence numbers (one counter
/// for every SSRC: audio, video, RTX) and remembers when each packet left and how big it was, so feedback can be
/// matched. A fixed ring of <see cref="Capacity"/> entries: nothing is allocated per packet.
/// </summary>
/// <remarks>Thread-safe: producers of different streams stamp, the receive loop matches feedback.</remarks>
public sealed class TransportSendHistory
{
    /// <summary>Packets remembered (a power of two); feedback about older ones finds nothing.</summary>
    public const int Capacity = 8192;

    private const int Mask = Capacity - 1;
    private readonly Lock _lock = new();
    private readonly long[] _sendTimes = new long[Capacity];
    private readonly int[] _sizes = new int[Capacity];
    private readonly int[] _sequences = new int[Capacity];
    private readonly int[] _clusters = new int[Capacity];
    private int _next;

    public TransportSendHistory()
    {
        Array.Fill(_sequences, -1);
    }

    /// <summary>Packets sent with a transport sequence number.</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Takes the next transport sequence number for a packet of <paramref name="size"/> bytes leaving now (of probe cluster <paramref name="probeClusterId"/>, -1 = media).</summary>
    public ushort Stamp(int size, long sendTimestamp, int probeClusterId = -1)
    {
        lock (_lock)
        {
            var sequence = (ushort)_next++;
            _sequences[sequence & Mask] = sequence;
            _sendTimes[sequence & Mask] = sendTimestamp;
            _sizes[sequence & Mask] = size;
            _clusters[sequence & Mask] = probeClusterId;
            PacketsSent++;
            return sequence;
        }
    }

    /// <summary>
    /// Matches <paramref name="feedback"/> with what we sent, in sequence order, into <paramref name="results"/>;
    /// returns how many were written (numbers we do not remember are left out).
    /// </summary>
    public int Match(TransportCc feedback, Span<SentPacketResult> results)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        var arrivalTicks = (long)feedback.ReferenceTime * (TransportCc.ReferenceTimeMilliseconds * 1000 / TransportCc.DeltaMicroseconds);
        var written = 0;
        lock (_lock)
        {
            var packets = feedback.Packets;
            for (var i = 0; i < packets.Count; i++) // indexed: a foreach over the interface would box its enumerator
            {
                var packet = packets[i];
                if (written == results.Length)
                {
                    break;
                }

                var arrival = SentPacketResult.NotReceived;
                if (packet.Status != TwccStatus.NotReceived)
                {
                    arrivalTicks += packet.Delta;
                    arrival = arrivalTicks * TransportCc.DeltaMicroseconds;
                }

                var slot = packet.SequenceNumber & Mask;
                if (_sequences[slot] != packet.SequenceNumber)
                {
                    continue;
                }

                results[written++] = new SentPacketResult(_sendTimes[slot], _sizes[slot], arrival, _clusters[slot]);
            }
        }

        return written;
    }
}
