using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Turn;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

/// <summary>One problem in an <c>iceServers</c> list: <see cref="Key"/> is e.g. <c>IceServers:0:Urls:1</c> or <c>IceTransportPolicy</c>.</summary>
public sealed record IceServerProblem(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>
/// Checks and applies the SDK-shaped <c>iceServers</c> and <c>iceTransportPolicy</c>: <c>stun:</c> URLs become
/// <see cref="IceOptions.StunServers"/>, <c>turn:</c>/<c>turns:</c> URLs become <see cref="IceOptions.TurnServers"/>
/// with the entry's username and credential. Messages name the URL (credentials before an '@' redacted), never the
/// username or credential.
/// </summary>
public static class IceServerSettings
{
    public const string TransportPolicyKey = "IceTransportPolicy";

    /// <summary>Every problem of <paramref name="servers"/> under <paramref name="policy"/>; empty when they are usable.</summary>
    public static IReadOnlyList<IceServerProblem> Validate(IReadOnlyList<IceServerConfig> servers, IceTransportPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var problems = new List<IceServerProblem>();
        var turnServers = 0;
        for (var i = 0; i < servers.Count; i++)
        {
            var server = servers[i];
            var key = $"IceServers:{i}";
            if (server?.Urls is not { Count: > 0 } urls)
            {
                problems.Add(new(key + ":Urls", "at least one stun:, turn: or turns: URL is required"));
                continue;
            }

            for (var u = 0; u < urls.Count; u++)
            {
                if (!IceServerUrl.TryParse(urls[u], out var url, out var error))
                {
                    problems.Add(new($"{key}:Urls:{u}", $"'{IceServerUrl.Redact(urls[u])}' is not a valid ICE server URL: {error}"));
                }
                else if (url!.IsTurn)
                {
                    turnServers++;
                    if (string.IsNullOrEmpty(server.Username) || string.IsNullOrEmpty(server.Credential))
                    {
                        problems.Add(new($"{key}:Urls:{u}", $"TURN server '{url}' needs Username and Credential"));
                    }
                }
            }
        }

        if (policy == IceTransportPolicy.Relay && turnServers == 0)
        {
            problems.Add(new(TransportPolicyKey, "relay-only needs at least one turn: or turns: server in IceServers"));
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem (for options handed to a constructor).</summary>
    public static void ThrowIfInvalid(IReadOnlyList<IceServerConfig> servers, IceTransportPolicy policy)
    {
        var problems = Validate(servers, policy);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid ICE servers: " + string.Join("; ", problems), nameof(servers));
        }
    }

    /// <summary>
    /// Adds the STUN and TURN servers of <paramref name="servers"/> (already validated) to <paramref name="target"/>. A STUN
    /// host name is resolved here; one that does not resolve is skipped and logged.
    /// </summary>
    public static void Apply(IceOptions target, IReadOnlyList<IceServerConfig> servers, X509Certificate2? trustedTurnRoot, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(logger);
        foreach (var server in servers)
        {
            foreach (var text in server.Urls)
            {
                if (!IceServerUrl.TryParse(text, out var url, out _))
                {
                    continue;
                }

                if (url!.Turn is { } turn)
                {
                    target.TurnServers.Add(new TurnClientOptions
                    {
                        Server = turn,
                        Username = server.Username ?? string.Empty,
                        Password = server.Credential ?? string.Empty,
                        TrustedRootCertificate = trustedTurnRoot,
                    });
                }
                else if (ResolveStun(url, logger) is { } endPoint)
                {
                    target.StunServers.Add(endPoint);
                }
            }
        }
    }

    private static IPEndPoint? ResolveStun(IceServerUrl url, ILogger logger)
    {
        if (IPAddress.TryParse(url.Host, out var address))
        {
            return new IPEndPoint(address, url.Port);
        }

        try
        {
            var addresses = Dns.GetHostAddresses(url.Host);
            if (addresses.Length > 0)
            {
                return new IPEndPoint(addresses[0], url.Port);
            }
        }
        catch (SocketException)
        {
        }

        PeerConnectionLog.StunServerUnresolved(logger, url.ToString());
        return null;
    }
}
