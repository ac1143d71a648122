using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Ice;

internal enum IceTransactionKind
{
    Check,
    Consent,
    StunServer,
}

/// <summary>One outstanding STUN request with its retransmission schedule (RFC 8489 §6.2.1). Owned by the agent loop.</summary>
internal sealed class IceTransaction : IDisposable
{
    public const int BufferSize = 512;

    public IceTransaction(IceTransactionKind kind, IDatagramSocket socket, IPEndPoint destination)
    {
        Kind = kind;
        Socket = socket;
        Destination = destination;
        DestinationAddress = destination.Serialize();
        Buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    public IceTransactionKind Kind { get; }

    public IDatagramSocket Socket { get; }

    public IPEndPoint Destination { get; }

    public SocketAddress DestinationAddress { get; }

    public byte[] Buffer { get; private set; }

    public int Length { get; set; }

    public UInt128 Id { get; set; }

    public IceCandidatePair? Pair { get; init; }

    public IceGeneration? Generation { get; init; }

    public bool UseCandidate { get; init; }

    /// <summary>Role we claimed in the request; a 487 answer means "take the other one" (RFC 8445 §7.2.5.1).</summary>
    public bool SentAsControlling { get; init; }

    public int Transmissions { get; set; }

    public int MaxTransmissions { get; init; }

    public TimeSpan Rto { get; set; }

    public TimeSpan MaxRto { get; init; }

    public DateTimeOffset NextAt { get; set; }

    /// <summary>
    /// Replaced by a triggered check (RFC 8445 §7.3.1.4): no more retransmissions and no failure on timeout, but a
    /// response that still arrives counts.
    /// </summary>
    public bool Cancelled { get; set; }

    /// <summary>When the first transmission left; a response to an unretransmitted request measures the RTT (Karn).</summary>
    public DateTimeOffset FirstSentAt { get; set; }

    public ReadOnlySpan<byte> Datagram => Buffer.AsSpan(0, Length);

    public static UInt128 KeyOf(ReadOnlySpan<byte> transactionId) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(transactionId), BinaryPrimitives.ReadUInt64BigEndian(transactionId[4..]));

    /// <summary>Completes the request into <see cref="Buffer"/> and keys it by its id; on overflow the transaction is disposed.</summary>
    public bool TrySeal(ref StunWriter writer, ReadOnlySpan<byte> transactionId)
    {
        if (!writer.TryComplete(out var length))
        {
            Dispose();
            return false;
        }

        Length = length;
        Id = KeyOf(transactionId);
        return true;
    }

    public void Dispose()
    {
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = [];
        }
    }
}
