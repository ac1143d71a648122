using CallBot.Rtc.Diagnostics;

namespace CallBot.Rtc.Transport;

/// <summary>What <see cref="SharedPortCounters"/> counts.</summary>
public enum SharedPortCounter
{
    /// <summary>Datagrams the shared sockets received.</summary>
    Received,

    /// <summary>Routed by the source address a connection had sent to.</summary>
    RoutedByAddress,

    /// <summary>STUN Binding requests routed by the local ufrag in their USERNAME.</summary>
    RoutedByUfrag,

    /// <summary>STUN responses routed by the transaction id of a request a connection sent.</summary>
    RoutedByTransaction,

    /// <summary>Datagrams from a source no connection sent to, and no request naming a registered ufrag: dropped, no state kept.</summary>
    Unrouted,

    /// <summary>Remote addresses a connection was given (its first send to them).</summary>
    AddressesLearned,

    /// <summary>A connection's oldest address forgotten to make room for a new one (<see cref="SharedPortOptions.MaxAddressesPerConnection"/>).</summary>
    AddressesEvicted,

    /// <summary>Sends to an address another connection of the port owns (it stays with its owner; replies go there).</summary>
    AddressConflicts,

    /// <summary>A ufrag another connection of the port had registered (not re-assigned).</summary>
    UfragConflicts,

    /// <summary>Binds refused because the port serves <see cref="SharedPortOptions.MaxConnections"/> connections.</summary>
    ConnectionsRefused,
}

/// <summary>Counts of one <see cref="SharedPortSocketFactory"/> (all its families). Lock-free.</summary>
public sealed class SharedPortCounters : EnumCounters<SharedPortCounter>;
