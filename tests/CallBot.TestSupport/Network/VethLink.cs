using System.Net;

namespace CallBot.TestSupport.Network;

/// <summary>
/// A veth pair with a /24 of its own from 10.213.0.0/16: <see cref="A"/> is .1, <see cref="B"/> is .2.
/// <see cref="HostAddress"/> gives further addresses in the same subnet (for <see cref="NetworkLab.ChangeAddressAsync"/>),
/// so the other end still reaches them over its connected route.
/// </summary>
public sealed class VethLink
{
    internal VethLink(VethEnd a, VethEnd b, int subnet)
    {
        A = a;
        B = b;
        Subnet = subnet;
    }

    public VethEnd A { get; }

    public VethEnd B { get; }

    /// <summary>The third octet: the link owns 10.213.<c>Subnet</c>.0/24.</summary>
    public int Subnet { get; }

    /// <summary>10.213.<c>Subnet</c>.<paramref name="host"/>; 1 and 2 are taken by the ends at creation.</summary>
    public IPAddress HostAddress(int host)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(host, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(host, 254);
        return new IPAddress(new byte[] { 10, 213, (byte)Subnet, (byte)host });
    }

    public override string ToString() => $"{A} <-> {B}";
}
