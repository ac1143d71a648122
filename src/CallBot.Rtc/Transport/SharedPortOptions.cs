namespace CallBot.Rtc.Transport;

/// <summary>Bounds of a shared port (<see cref="SharedPortSocketFactory"/>); checked when the factory is made.</summary>
public sealed class SharedPortOptions
{
    public const int DefaultMaxConnections = 10_000;
    public const int DefaultMaxAddressesPerConnection = 16;
    public const int DefaultMaxTransactionsPerConnection = 8;

    /// <summary>UDP port of the shared sockets (every family tries the same one); 0 = the system picks one, then the other family tries it too.</summary>
    public int Port { get; init; }

    /// <summary>Peer connections one shared socket serves; one more fails to bind (its agent then gathers no host candidate).</summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    /// <summary>
    /// Remote addresses one connection is routed by (learned when it sends to them). Beyond it the connection's oldest one
    /// is forgotten: an ICE agent checks a few remote candidates, then uses one pair.
    /// </summary>
    public int MaxAddressesPerConnection { get; init; } = DefaultMaxAddressesPerConnection;

    /// <summary>STUN requests one connection has outstanding whose responses are routed back by transaction id (a ring: the oldest is forgotten).</summary>
    public int MaxTransactionsPerConnection { get; init; } = DefaultMaxTransactionsPerConnection;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Port, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxConnections, 1_000_000, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAddressesPerConnection, 1, nameof(MaxAddressesPerConnection));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxAddressesPerConnection, 256, nameof(MaxAddressesPerConnection));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTransactionsPerConnection, 1, nameof(MaxTransactionsPerConnection));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxTransactionsPerConnection, 256, nameof(MaxTransactionsPerConnection));
    }
}
