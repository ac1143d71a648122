using System.Buffers.Binary;
using System.Net;
using System.Text;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Turn;

/// <summary>What the client needs from a response it already matched to a request (cold path, may allocate).</summary>
internal readonly record struct TurnResponseInfo(bool Success, int Code, string Reason, string? Realm, byte[]? Nonce);

internal static class TurnResponse
{
    public static TurnResponseInfo Inspect(byte[] response)
    {
        if (!StunMessage.TryParse(response, out var view, out _))
        {
            return new TurnResponseInfo(false, 0, "unparsable response", null, null);
        }

        if (view.Class == StunClass.SuccessResponse)
        {
            return new TurnResponseInfo(true, 0, string.Empty, null, null);
        }

        string? realm = view.TryGetAttribute(StunAttributeType.Realm, out var realmBytes) ? Encoding.UTF8.GetString(realmBytes) : null;
        byte[]? nonce = view.TryGetAttribute(StunAttributeType.Nonce, out var nonceBytes) ? nonceBytes.ToArray() : null;
        return view.TryGetErrorCode(out var code, out var reason)
            ? new TurnResponseInfo(false, code, Encoding.UTF8.GetString(reason), realm, nonce)
            : new TurnResponseInfo(false, 0, "error response without a valid ERROR-CODE", realm, nonce);
    }

    public static TurnAllocation? ReadAllocation(byte[] response, TimeSpan requestedLifetime)
    {
        if (!StunMessage.TryParse(response, out var view, out _))
        {
            return null;
        }

        var relayed = ReadXorAddress(view, TurnAttributeType.XorRelayedAddress);
        if (relayed is null)
        {
            return null;
        }

        var mapped = ReadXorAddress(view, StunAttributeType.XorMappedAddress);
        var lifetime = TryReadLifetime(view, out var granted) ? granted : requestedLifetime;
        return new TurnAllocation(relayed, mapped, lifetime);
    }

    public static TimeSpan? ReadLifetime(byte[] response) =>
        StunMessage.TryParse(response, out var view, out _) && TryReadLifetime(view, out var lifetime) ? lifetime : null;

    public static IPEndPoint? ReadXorAddress(in StunMessageView view, ushort type)
    {
        if (!view.TryGetAttribute(type, out var value))
        {
            return null;
        }

        Span<byte> address = stackalloc byte[16];
        return StunXorAddress.TryDecode(value, view.TransactionId, address, out var length, out var port)
            ? new IPEndPoint(new IPAddress(address[..length]), port)
            : null;
    }

    private static bool TryReadLifetime(in StunMessageView view, out TimeSpan lifetime)
    {
        if (view.TryGetAttribute(TurnAttributeType.Lifetime, out var value) && value.Length == 4)
        {
            lifetime = TimeSpan.FromSeconds(BinaryPrimitives.ReadUInt32BigEndian(value));
            return true;
        }

        lifetime = default;
        return false;
    }
}
