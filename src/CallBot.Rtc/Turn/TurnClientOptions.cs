using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace CallBot.Rtc.Turn;

/// <summary>One TURN server and the client's timing. Defaults follow RFC 8656 / RFC 8489 and cite them.</summary>
public sealed class TurnClientOptions
{
    public required TurnServerUrl Server { get; set; }

    /// <summary>Long-term credential username (the SDK's <c>iceServers[].username</c>).</summary>
    public required string Username { get; set; }

    /// <summary>Long-term credential password (the SDK's <c>iceServers[].credential</c>). Never logged.</summary>
    public required string Password { get; set; }

    /// <summary>LIFETIME asked for in Allocate and Refresh; RFC 8656 §3.2 default is 10 minutes.</summary>
    public TimeSpan RequestedLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Refresh this long before the allocation expires (half the lifetime when that is shorter).</summary>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Permissions last 300 s (RFC 8656 §9); refresh them well before that.</summary>
    public TimeSpan PermissionRefreshInterval { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>Channel bindings last 600 s (RFC 8656 §12); refresh them well before that.</summary>
    public TimeSpan ChannelRefreshInterval { get; set; } = TimeSpan.FromMinutes(9);

    /// <summary>RFC 8489 §6.2.1: initial RTO of a request over UDP.</summary>
    public TimeSpan InitialRto { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>RFC 8489 §6.2.1: Rc, transmissions of a request over UDP.</summary>
    public int MaxTransmissions { get; set; } = 7;

    /// <summary>RFC 8489 §6.2.1: Rm, the last wait is Rm × RTO.</summary>
    public int LastWaitMultiplier { get; set; } = 16;

    /// <summary>RFC 8489 §6.2.2: a transaction over TCP/TLS fails after 39.5 s.</summary>
    public TimeSpan ReliableTransactionTimeout { get; set; } = TimeSpan.FromMilliseconds(39_500);

    /// <summary>Further Allocate attempts after the first on transient failures (timeouts, 437, 486, 500, 508, I/O).</summary>
    public int AllocateRetries { get; set; } = 3;

    /// <summary>Base delay of the exponential, jittered backoff between Allocate attempts.</summary>
    public TimeSpan AllocateRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest backoff between Allocate attempts.</summary>
    public TimeSpan AllocateMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Extra root certificate trusted for <c>turns:</c> (tests, private servers). Chain and host name are always validated.</summary>
    public X509Certificate2? TrustedRootCertificate { get; set; }

    /// <summary>Local address to bind for UDP; null = any address of the server's family.</summary>
    public IPAddress? LocalAddress { get; set; }

    /// <summary>Relayed datagrams waiting for <see cref="TurnRelaySocket.ReceiveFromAsync"/>; more are dropped and counted.</summary>
    public int ReceiveQueueCapacity { get; set; } = 512;

    /// <summary>Datagrams held per peer while its permission is being installed; more are dropped.</summary>
    public int PendingPerPeer { get; set; } = 8;

    /// <summary>Peers (IP:port) one allocation tracks; beyond that, new peers are refused.</summary>
    public int MaxPeers { get; set; } = 128;

    /// <summary>How long closing waits for the server to confirm the Refresh with LIFETIME 0; zero skips the release (the allocation then expires on its own).</summary>
    public TimeSpan ReleaseTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>SOFTWARE attribute; null = none.</summary>
    public string? Software { get; set; }
}
