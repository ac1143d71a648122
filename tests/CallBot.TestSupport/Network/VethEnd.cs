using System.Net;

namespace CallBot.TestSupport.Network;

/// <summary>
/// One end of a veth pair: the interface <see cref="InterfaceName"/> inside <see cref="Namespace"/>
/// (null means the namespace this test process runs in). <see cref="Address"/> is its current primary address
/// (updated by <see cref="NetworkLab.ChangeAddressAsync"/>).
/// </summary>
public sealed class VethEnd
{
    internal VethEnd(LabNamespace? ns, string interfaceName, IPAddress address, int prefixLength)
    {
        Namespace = ns;
        InterfaceName = interfaceName;
        Address = address;
        PrefixLength = prefixLength;
    }

    public LabNamespace? Namespace { get; }

    public string InterfaceName { get; }

    public IPAddress Address { get; internal set; }

    public int PrefixLength { get; internal set; }

    public override string ToString() => $"{Namespace?.Name ?? "(current)"}/{InterfaceName} {Address}/{PrefixLength}";
}
