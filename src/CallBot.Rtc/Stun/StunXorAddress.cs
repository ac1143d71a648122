using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Stun;

/// <summary>
/// XOR-MAPPED-ADDRESS value (RFC 8489 §14.2):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0|    Family     |         X-Port                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                X-Address (Variable)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The port is XOR'ed with the top 16 bits of the magic cookie; an IPv4 address with the cookie;
/// an IPv6 address with the cookie followed by the transaction ID.
/// </summary>
public static class StunXorAddress
{
    public const byte FamilyIPv4 = 0x01;
    public const byte FamilyIPv6 = 0x02;
    private const int FamilyOffset = 1;
    private const int PortOffset = 2;
    private const int AddressOffset = 4;
    private const ushort PortMask = (ushort)(StunConstants.MagicCookie >> 16);

    public static int GetSize(AddressFamily family) => AddressOffset + (family == AddressFamily.InterNetworkV6 ? 16 : 4);

    public static bool TryDecode(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, Span<byte> address, out int addressLength, out ushort port)
    {
        addressLength = 0;
        port = 0;
        if (value.Length < AddressOffset)
        {
            return false;
        }

        addressLength = value[FamilyOffset] switch
        {
            FamilyIPv4 => 4,
            FamilyIPv6 => 16,
            _ => 0,
        };
        if (addressLength == 0 || value.Length != AddressOffset + addressLength || address.Length < addressLength)
        {
            addressLength = 0;
            return false;
        }

        port = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(value[PortOffset..]) ^ PortMask);
        Span<byte> mask = stackalloc byte[16];
        WriteMask(mask, transactionId);
        for (var i = 0; i < addressLength; i++)
        {
            address[i] = (byte)(value[AddressOffset + i] ^ mask[i]);
        }

        return true;
    }

    /// <summary>Writes the value (no attribute header); returns bytes written or 0 if it does not fit.</summary>
    public static int Encode(IPEndPoint endPoint, ReadOnlySpan<byte> transactionId, Span<byte> destination)
    {
        var size = GetSize(endPoint.AddressFamily);
        if (destination.Length < size)
        {
            return 0;
        }

        destination[0] = 0;
        destination[FamilyOffset] = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? FamilyIPv6 : FamilyIPv4;
        BinaryPrimitives.WriteUInt16BigEndian(destination[PortOffset..], (ushort)(endPoint.Port ^ PortMask));
        Span<byte> mask = stackalloc byte[16];
        WriteMask(mask, transactionId);
        var address = destination[AddressOffset..size];
        if (!endPoint.Address.TryWriteBytes(address, out _))
        {
            return 0;
        }

        for (var i = 0; i < address.Length; i++)
        {
            address[i] ^= mask[i];
        }

        return size;
    }

    private static void WriteMask(Span<byte> mask, ReadOnlySpan<byte> transactionId)
    {
        BinaryPrimitives.WriteUInt32BigEndian(mask, StunConstants.MagicCookie);
        transactionId[..StunConstants.TransactionIdSize].CopyTo(mask[4..]);
    }
}
