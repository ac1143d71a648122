using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Ice;

/// <summary>The STUN attributes ICE adds to Binding requests (RFC 8445 §16.1, IANA "STUN Attributes").</summary>
public static class IceAttributeType
{
    public const ushort Priority = 0x0024;
    public const ushort UseCandidate = 0x0025;
    public const ushort IceControlled = 0x8029;
    public const ushort IceControlling = 0x802A;
}

/// <summary>Reading and writing the ICE attributes with the generic STUN codec.</summary>
public static class IceStunAttributes
{
    /// <summary>PRIORITY (RFC 8445 §7.1.1): the priority a peer-reflexive candidate learned from this request would get.</summary>
    public static bool TryGetPriority(this StunMessageView message, out uint priority) =>
        message.TryGetUInt32(IceAttributeType.Priority, out priority);

    /// <summary>USE-CANDIDATE (RFC 8445 §7.1.2): the controlling agent nominates this pair.</summary>
    public static bool HasUseCandidate(this StunMessageView message) => message.HasAttribute(IceAttributeType.UseCandidate);

    /// <summary>ICE-CONTROLLING (RFC 8445 §7.1.3): the sender is controlling; the value is its tie-breaker.</summary>
    public static bool TryGetIceControlling(this StunMessageView message, out ulong tieBreaker) =>
        message.TryGetUInt64(IceAttributeType.IceControlling, out tieBreaker);

    /// <summary>ICE-CONTROLLED (RFC 8445 §7.1.3): the sender is controlled; the value is its tie-breaker.</summary>
    public static bool TryGetIceControlled(this StunMessageView message, out ulong tieBreaker) =>
        message.TryGetUInt64(IceAttributeType.IceControlled, out tieBreaker);

    public static void AddPriority(this ref StunWriter writer, uint priority) => writer.AddUInt32(IceAttributeType.Priority, priority);

    public static void AddUseCandidate(this ref StunWriter writer) => writer.AddFlag(IceAttributeType.UseCandidate);

    public static void AddIceControlling(this ref StunWriter writer, ulong tieBreaker) =>
        writer.AddUInt64(IceAttributeType.IceControlling, tieBreaker);

    public static void AddIceControlled(this ref StunWriter writer, ulong tieBreaker) =>
        writer.AddUInt64(IceAttributeType.IceControlled, tieBreaker);
}
