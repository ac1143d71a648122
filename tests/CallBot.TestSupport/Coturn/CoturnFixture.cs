using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace CallBot.TestSupport.Coturn;

/// <summary>
/// A private coturn (Debian's <c>turnserver</c>) on 127.0.0.1 with free ports: UDP and TCP on
/// <see cref="Port"/>, TLS on <see cref="TlsPort"/> with a self-signed certificate made by openssl for
/// 127.0.0.1/localhost, relay addresses on 127.0.0.1, long-term credentials for one user, loopback
/// peers allowed (coturn refuses them by default), no DTLS, no CLI, log in a temp folder. Started with
/// no config file; stopped by its PID; the system service is never touched. Use it as an xunit class
/// fixture (defaults) or call <see cref="StartAsync"/> with <see cref="CoturnOptions"/>.
/// </summary>
public sealed class CoturnFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/turnserver";

    /// <summary>Relay ports per instance; the base is random below the Linux ephemeral range so parallel instances rarely collide.</summary>
    private const int RelayPortCount = 200;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(250);

    private readonly CoturnOptions _options;
    private Process? _process;

    public CoturnFixture()
        : this(new CoturnOptions())
    {
    }

    internal CoturnFixture(CoturnOptions options)
    {
        _options = options;
        Folder = Path.Combine(Path.GetTempPath(), "callbot-coturn-" + Guid.NewGuid().ToString("N"));
    }

    public string Folder { get; }

    public string LogPath => Path.Combine(Folder, "turnserver.log");

    public string CertificatePath => Path.Combine(Folder, "cert.pem");

    public int Port { get; private set; }

    public int TlsPort { get; private set; }

    public int MinRelayPort { get; private set; }

    public int MaxRelayPort { get; private set; }

    public string Username => _options.Username;

    public string Password => _options.Password;

    public string Realm => _options.Realm;

    /// <summary>The server's self-signed certificate; trust it explicitly for <c>turns:</c>.</summary>
    public X509Certificate2? Certificate { get; private set; }

    public int? ProcessId => _process?.Id;

    /// <summary><c>turn:127.0.0.1:port?transport=udp</c></summary>
    public string UdpUrl => $"turn:127.0.0.1:{Port}?transport=udp";

    /// <summary><c>turn:127.0.0.1:port?transport=tcp</c></summary>
    public string TcpUrl => $"turn:127.0.0.1:{Port}?transport=tcp";

    /// <summary><c>turns:127.0.0.1:tlsPort?transport=tcp</c></summary>
    public string TlsUrl => $"turns:127.0.0.1:{TlsPort}?transport=tcp";

    public static async Task<CoturnFixture> StartAsync(CoturnOptions? options = null)
    {
        var fixture = new CoturnFixture(options ?? new CoturnOptions());
        try
        {
            await fixture.InitializeAsync();
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    /// <summary>The tail of coturn's log, for assertion messages.</summary>
    public string ReadLog()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return text.Length > 8000 ? text[^8000..] : text;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: run scripts/setup.sh (apt package coturn).");
        }

        Directory.CreateDirectory(Folder);
        await MakeCertificateAsync();
        Certificate = X509CertificateLoader.LoadCertificateFromFile(CertificatePath);
        Port = FreePort.Tcp();
        TlsPort = FreePort.Tcp();
        MinRelayPort = 20_000 + (Random.Shared.Next(0, 60) * RelayPortCount);
        MaxRelayPort = MinRelayPort + RelayPortCount - 1;

        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in BuildArguments())
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("turnserver did not start");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilListeningAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: false);
                }

                using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(exited.Token);
            }
            catch (InvalidOperationException)
            {
            }
            catch (OperationCanceledException)
            {
            }

            process.Dispose();
            _process = null;
        }

        Certificate?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private List<string> BuildArguments()
    {
        var inv = CultureInfo.InvariantCulture;
        List<string> args =
        [
            "-n",
            "--listening-ip", "127.0.0.1",
            "--relay-ip", "127.0.0.1",
            "--listening-port", Port.ToString(inv),
            "--tls-listening-port", TlsPort.ToString(inv),
            "--alt-listening-port", FreePort.Tcp().ToString(inv),
            "--alt-tls-listening-port", FreePort.Tcp().ToString(inv),
            "--min-port", MinRelayPort.ToString(inv),
            "--max-port", MaxRelayPort.ToString(inv),
            "--lt-cred-mech",
            "--user", _options.Username + ":" + _options.Password,
            "--realm", _options.Realm,
            "--userdb", Path.Combine(Folder, "turndb"),
            "--cert", CertificatePath,
            "--pkey", Path.Combine(Folder, "key.pem"),
            "--no-dtls",
            "--no-cli",
            "--no-multicast-peers",
            "--allow-loopback-peers",
            "--log-file", LogPath,
            "--simple-log",
            "--no-stdout-log",
            "--pidfile", Path.Combine(Folder, "turnserver.pid"),
        ];
        if (_options.Verbose)
        {
            args.Add("-v");
        }

        if (_options.StaleNonceSeconds is { } stale)
        {
            args.Add("--stale-nonce=" + stale.ToString(inv));
        }

        AddOptional(args, "--max-allocate-lifetime", _options.MaxAllocateLifetimeSeconds);
        AddOptional(args, "--permission-lifetime", _options.PermissionLifetimeSeconds);
        AddOptional(args, "--channel-lifetime", _options.ChannelLifetimeSeconds);
        return args;
    }

    private static void AddOptional(List<string> args, string name, int? value)
    {
        if (value is { } v)
        {
            args.Add(name);
            args.Add(v.ToString(CultureInfo.InvariantCulture));
        }
    }

    private async Task MakeCertificateAsync()
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", Path.Combine(Folder, "key.pem"), "-out", CertificatePath, "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var openssl = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var stderr = openssl.StandardError.ReadToEndAsync();
        await openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync();
        if (openssl.ExitCode != 0)
        {
            throw new InvalidOperationException("openssl failed: " + await stderr);
        }
    }

    /// <summary>
    /// Ready = a STUN Binding request over UDP is answered (each probe waits up to 250 ms for the answer)
    /// and both TCP ports accept a connection.
    /// </summary>
    private async Task WaitUntilListeningAsync()
    {
        using var deadline = new CancellationTokenSource(StartTimeout);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var server = new IPEndPoint(IPAddress.Loopback, Port);
        var request = new byte[20];
        request[1] = 0x01; // Binding request, length 0
        request[4] = 0x21;
        request[5] = 0x12;
        request[6] = 0xA4;
        request[7] = 0x42;
        Random.Shared.NextBytes(request.AsSpan(8, 12));
        var response = new byte[1500];
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"turnserver exited with {_process.ExitCode}: {ReadLog()}");
            }

            deadline.Token.ThrowIfCancellationRequested();
            await udp.SendToAsync(request, server);
            using var probe = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            probe.CancelAfter(ProbeTimeout);
            try
            {
                var received = await udp.ReceiveFromAsync(response, new IPEndPoint(IPAddress.Any, 0), probe.Token);
                if (received.ReceivedBytes >= 20 && response[0] == 0x01 && response[1] == 0x01)
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
            }
            catch (SocketException)
            {
                // ICMP port unreachable while coturn is still starting: the next probe follows the same pacing.
                await Task.Delay(ProbeTimeout, deadline.Token);
            }
        }

        foreach (var port in new[] { Port, TlsPort })
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await tcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
        }
    }
}
