using System.Net;
using CallBot.Rtc.Transport;
using CallBot.TestSupport.Network;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>
/// Real UDP sockets created inside a lab namespace (setns on a dedicated thread: the socket stays there), and that
/// namespace's interface addresses. A peer connection given this factory sends its media only over the lab's veth links,
/// so cutting a link cuts media and nothing else.
/// </summary>
internal sealed class NamespaceSocketFactory(LabNamespace ns) : IDatagramSocketFactory
{
    public IDatagramSocket Bind(IPEndPoint localEndPoint) => NetworkLab.RunInside(ns, () => UdpSocketFactory.Instance.Bind(localEndPoint));

    public IReadOnlyList<IPAddress> GetHostAddresses() => NetworkLab.RunInside(ns, UdpSocketFactory.Instance.GetHostAddresses);
}
