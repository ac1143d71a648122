using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace CallBot.TestSupport.Network;

/// <summary>
/// Network namespaces, veth links and processes for fault tests (link down, address change), all removed on dispose.
/// Namespaces are named <c>cb-&lt;lab id&gt;-a</c>, <c>-b</c>, …; veth interfaces <c>cb&lt;lab id&gt;&lt;n&gt;a/b</c>.
/// Works from the host namespace and from inside <c>unshare --net</c> (what scripts/test.sh does): the new namespaces
/// are siblings, and a link "to the current namespace" has one end where this process runs.
/// Not thread-safe: drive one lab from one test.
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    private static readonly SemaphoreSlim CleanupOnce = new(1, 1);
    private static bool s_cleaned;

    private readonly string _ip;
    private readonly List<LabNamespace> _namespaces = [];
    private readonly List<NamespacedProcess> _processes = [];
    private readonly List<Socket> _sockets = [];
    private readonly List<int> _sharedSubnets = [];
    private readonly List<VethEnd> _currentNamespaceEnds = [];
    private int _nextPrivateSubnet = SubnetAllocator.FirstPrivate;
    private int _linkCount;
    private bool _disposed;

    private NetworkLab(string ip, string id)
    {
        _ip = ip;
        Id = id;
    }

    /// <summary>Random lowercase hex, part of every name this lab creates.</summary>
    public string Id { get; }

    public IReadOnlyList<LabNamespace> Namespaces => _namespaces;

    /// <summary>Checks root and <c>ip</c> (clear <see cref="NetworkLabException"/> otherwise) and, once per process, deletes stale <c>cb-*</c> namespaces.</summary>
    public static async Task<NetworkLab> CreateAsync()
    {
        var ip = IpTool.RequirePrerequisites();
        if (!await CleanupOnce.WaitAsync(TimeSpan.FromMinutes(2)))
        {
            throw new TimeoutException("another lab's stale-namespace cleanup did not finish within 2 minutes");
        }

        try
        {
            if (!s_cleaned)
            {
                await LeftoverNamespaces.DeleteStaleAsync(ip);
                s_cleaned = true;
            }
        }
        finally
        {
            CleanupOnce.Release();
        }

        return new NetworkLab(ip, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));
    }

    /// <summary>Creates <c>cb-&lt;id&gt;-a</c> (then -b, -c …) with <c>lo</c> up.</summary>
    public async Task<LabNamespace> AddNamespaceAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var ns = new LabNamespace($"{LeftoverNamespaces.Prefix}{Id}-{(char)('a' + _namespaces.Count)}");
        await IpTool.RunAsync(_ip, null, ["netns", "add", ns.Name]);
        _namespaces.Add(ns);
        await IpTool.RunAsync(_ip, ns, ["link", "set", "lo", "up"]);
        return ns;
    }

    /// <summary>
    /// A veth pair from <paramref name="a"/> to <paramref name="b"/> (null = the namespace this process runs in),
    /// both ends up, with 10.213.S.1/24 on A and 10.213.S.2/24 on B.
    /// </summary>
    public async Task<VethLink> ConnectAsync(LabNamespace? a, LabNamespace? b)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (a is null && b is null)
        {
            throw new ArgumentException("at least one end must be in a lab namespace");
        }

        int subnet;
        if (a is null || b is null)
        {
            subnet = await SubnetAllocator.TakeSharedAsync(_ip);
            _sharedSubnets.Add(subnet);
        }
        else
        {
            if (_nextPrivateSubnet > SubnetAllocator.LastPrivate)
            {
                throw new NetworkLabException("this lab has used all its private subnets");
            }

            subnet = _nextPrivateSubnet++;
        }

        int n = _linkCount++;
        var nameA = string.Create(CultureInfo.InvariantCulture, $"cb{Id}{n}a");
        var nameB = string.Create(CultureInfo.InvariantCulture, $"cb{Id}{n}b");
        var args = new List<string> { "link", "add", "name", nameA };
        if (a is not null)
        {
            args.AddRange(["netns", a.Name]);
        }

        args.AddRange(["type", "veth", "peer", "name", nameB]);
        if (b is not null)
        {
            args.AddRange(["netns", b.Name]);
        }

        await IpTool.RunAsync(_ip, null, args);
        var link = new VethLink(
            new VethEnd(a, nameA, IPAddress.None, 24),
            new VethEnd(b, nameB, IPAddress.None, 24),
            subnet);
        _currentNamespaceEnds.AddRange(a is null ? [link.A] : b is null ? [link.B] : []);
        foreach (var (end, host) in new[] { (link.A, 1), (link.B, 2) })
        {
            var address = link.HostAddress(host);
            await IpTool.RunAsync(_ip, end.Namespace, ["addr", "add", $"{address}/24", "dev", end.InterfaceName]);
            end.Address = address;
            await SetLinkUpAsync(end);
        }

        return link;
    }

    public Task SetLinkDownAsync(VethEnd end) => IpTool.RunAsync(_ip, end.Namespace, ["link", "set", "dev", end.InterfaceName, "down"]);

    public Task SetLinkUpAsync(VethEnd end) => IpTool.RunAsync(_ip, end.Namespace, ["link", "set", "dev", end.InterfaceName, "up"]);

    /// <summary>Removes every address of that family from the interface, then adds <paramref name="newAddress"/> (the old one stops answering).</summary>
    public async Task ChangeAddressAsync(VethEnd end, IPAddress newAddress, int prefixLength = 24)
    {
        var family = newAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
        await IpTool.RunAsync(_ip, end.Namespace, [family, "addr", "flush", "dev", end.InterfaceName, "scope", "global"]);
        await AddAddressAsync(end, newAddress, prefixLength);
        end.Address = newAddress;
        end.PrefixLength = prefixLength;
    }

    /// <summary>Adds a further address next to the existing ones (<see cref="VethEnd.Address"/> stays the primary).</summary>
    public Task AddAddressAsync(VethEnd end, IPAddress address, int prefixLength = 24)
        => IpTool.RunAsync(_ip, end.Namespace, ["addr", "add", $"{address}/{prefixLength}", "dev", end.InterfaceName]);

    /// <summary>Runs any <c>ip</c> command, in <paramref name="ns"/> (null = current namespace); returns stdout.</summary>
    public Task<string> IpAsync(LabNamespace? ns, params string[] args) => IpTool.RunAsync(_ip, ns, args);

    /// <summary>Starts <paramref name="file"/> inside <paramref name="ns"/>; killed when the lab is disposed.</summary>
    public NamespacedProcess RunInNamespace(LabNamespace ns, string file, params string[] args)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var process = new NamespacedProcess(_ip, ns, file, args);
        _processes.Add(process);
        return process;
    }

    /// <summary>Creates a socket inside <paramref name="ns"/> (setns on a dedicated thread); it stays there. Closed when the lab is disposed.</summary>
    public Socket OpenSocket(LabNamespace ns, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var socket = LinuxNetns.RunInside(ns.Path, () => new Socket(family, type, protocol));
        _sockets.Add(socket);
        return socket;
    }

    /// <summary>A UDP socket inside <paramref name="ns"/> bound to <paramref name="local"/> (port 0 = any).</summary>
    public Socket BindUdp(LabNamespace ns, IPEndPoint local)
    {
        var socket = OpenSocket(ns, local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(local);
        return socket;
    }

    /// <summary>
    /// Runs <paramref name="body"/> synchronously on a thread inside <paramref name="ns"/>: whatever sockets it creates live there.
    /// Only the synchronous part runs inside; continuations of anything it awaits run on ordinary threads.
    /// The caller owns what it creates.
    /// </summary>
    public static T RunInside<T>(LabNamespace ns, Func<T> body) => LinuxNetns.RunInside(ns.Path, body);

    /// <summary>
    /// <c>cb-*</c> namespaces older than an hour at <paramref name="utcNow"/>; <see cref="CreateAsync"/> deletes these once per
    /// process (crash leftovers). Age is the namespace file's time, i.e. when it was created.
    /// </summary>
    public static IReadOnlyList<string> FindStaleNamespaces(DateTime utcNow) => LeftoverNamespaces.FindStale(utcNow);

    /// <summary>Inode identity of the calling thread's network namespace, e.g. "net:[4026532281]".</summary>
    public static string CurrentNamespaceId() => LinuxNetns.CurrentNamespaceId();

    /// <summary>Kills processes, closes sockets, deletes namespaces (which removes their veths). Reports the first failure after trying all.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        NetworkLabException? failure = null;

        // The kernel tears a deleted namespace down later, on a work queue; delete our ends here now so they are gone on return.
        foreach (var end in _currentNamespaceEnds)
        {
            try
            {
                await IpTool.RunAsync(_ip, null, ["link", "delete", "dev", end.InterfaceName]);
            }
            catch (NetworkLabException e)
            {
                failure ??= e;
            }
        }

        foreach (var ns in _namespaces)
        {
            try
            {
                await IpTool.RunAsync(_ip, null, ["netns", "delete", ns.Name]);
            }
            catch (NetworkLabException e)
            {
                failure ??= e;
            }
        }

        foreach (var subnet in _sharedSubnets)
        {
            SubnetAllocator.ReleaseShared(subnet);
        }

        if (failure is not null)
        {
            throw failure;
        }
    }
}
