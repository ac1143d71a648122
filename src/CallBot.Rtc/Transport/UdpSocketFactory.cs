using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace CallBot.Rtc.Transport;

/// <summary>Real UDP sockets and the machine's interface addresses.</summary>
public sealed class UdpSocketFactory : IDatagramSocketFactory
{
    public static UdpSocketFactory Instance { get; } = new();

    public IDatagramSocket Bind(IPEndPoint localEndPoint) => new UdpDatagramSocket(localEndPoint);

    public IReadOnlyList<IPAddress> GetHostAddresses()
    {
        var result = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown))
            {
                continue;
            }

            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                {
                    result.Add(address);
                }
            }
        }

        return result;
    }
}
