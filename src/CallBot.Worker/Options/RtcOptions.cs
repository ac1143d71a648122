using System.ComponentModel.DataAnnotations;
using CallBot.Rtc.Transport;

namespace CallBot.Worker.Options;

/// <summary>The media plane's sockets. Section <c>CallBot:Rtc</c>.</summary>
public sealed class RtcOptions
{
    public const string Section = "CallBot:Rtc";

    /// <summary>
    /// Single-port mode: every peer connection of the process shares one UDP socket per address family
    /// (<see cref="SharedPortSocketFactory"/>), so host candidates all carry one port and sockets do not grow with calls.
    /// </summary>
    public bool SinglePort { get; set; }

    /// <summary>The shared port; 0 = the system picks one at the first call.</summary>
    [Range(0, 65535)]
    public int SinglePortNumber { get; set; }

    /// <summary>Peer connections one shared socket serves; beyond it a connection gathers no host candidate (TURN still works).</summary>
    [Range(1, 1_000_000)]
    public int SinglePortMaxConnections { get; set; } = SharedPortOptions.DefaultMaxConnections;

    /// <summary>The shared-port bounds these settings make.</summary>
    public SharedPortOptions ToSharedPortOptions() => new() { Port = SinglePortNumber, MaxConnections = SinglePortMaxConnections };
}
