using System.Net;

namespace CallBot.Rtc.Turn;

/// <summary>Result of a successful Allocate (RFC 8656 §7.3).</summary>
/// <param name="RelayedEndPoint">XOR-RELAYED-ADDRESS: where peers send to reach us (the relay candidate).</param>
/// <param name="MappedEndPoint">XOR-MAPPED-ADDRESS: our address as the server saw it (the relay candidate's raddr/rport).</param>
/// <param name="Lifetime">LIFETIME granted by the server.</param>
public sealed record TurnAllocation(IPEndPoint RelayedEndPoint, IPEndPoint? MappedEndPoint, TimeSpan Lifetime);
