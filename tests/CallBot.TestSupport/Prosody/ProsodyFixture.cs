using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit;

namespace CallBot.TestSupport.Prosody;

/// <summary>
/// A private Prosody 0.12 on 127.0.0.1: own config, data, pid file, log and self-signed certificate in a temp folder,
/// free ports for c2s (STARTTLS), direct TLS, ws:// and wss://. Never the system service. Stopped by PID.
/// </summary>
public sealed class ProsodyFixture : IAsyncLifetime
{
    public const string Domain = "localhost";
    private const string ProsodyPath = "/usr/bin/prosody";
    private const string ProsodyCtlPath = "/usr/bin/prosodyctl";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly string _root;
    private Process? _process;

    public ProsodyFixture()
    {
        _root = Path.Combine(Path.GetTempPath(), "callbot-prosody-" + Guid.NewGuid().ToString("N")[..12]);
        C2sPort = FreePort.Tcp();
        DirectTlsPort = FreePort.Tcp();
        HttpPort = FreePort.Tcp();
        HttpsPort = FreePort.Tcp();
    }

    public int C2sPort { get; }
    public int DirectTlsPort { get; }
    public int HttpPort { get; }
    public int HttpsPort { get; }

    /// <summary><c>tcp://localhost:port</c>, STARTTLS offered (not required).</summary>
    public Uri TcpEndpoint => new($"tcp://{Domain}:{C2sPort}");
    public Uri DirectTlsEndpoint => new($"tcp://{Domain}:{DirectTlsPort}");
    public Uri WebSocketEndpoint => new($"ws://{Domain}:{HttpPort}/xmpp-websocket");
    public Uri SecureWebSocketEndpoint => new($"wss://{Domain}:{HttpsPort}/xmpp-websocket");

    /// <summary>PEM file of the self-signed server certificate (CN/SAN localhost, 127.0.0.1); clients trust it explicitly.</summary>
    public string CertificatePath => Path.Combine(_root, "localhost.crt");
    public string ConfigPath => Path.Combine(_root, "prosody.cfg.lua");
    public string LogPath => Path.Combine(_root, "prosody.log");
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public X509Certificate2 LoadCertificate() => X509CertificateLoader.LoadCertificateFromFile(CertificatePath);

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(Path.Combine(_root, "data"));
        Directory.CreateDirectory(Path.Combine(_root, "certs"));
        await RunToolAsync("openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", Path.Combine(_root, "localhost.key"), "-out", CertificatePath]).ConfigureAwait(false);
        await File.WriteAllTextAsync(ConfigPath, BuildConfig()).ConfigureAwait(false);
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Registers <c>userId-appId</c> on <see cref="Domain"/> and returns that username.</summary>
    public async Task<string> RegisterUserAsync(long userId, long appId, string password)
    {
        string user = string.Create(CultureInfo.InvariantCulture, $"{userId}-{appId}");
        await RunToolAsync(ProsodyCtlPath, ["--config", ConfigPath, "register", user, Domain, password]).ConfigureAwait(false);
        return user;
    }

    /// <summary>Replaces the password of <c>userId-appId</c> (as the cloud's chat does when a session token changes); live streams stay.</summary>
    public async Task SetPasswordAsync(long userId, long appId, string password)
    {
        string user = string.Create(CultureInfo.InvariantCulture, $"{userId}-{appId}");
        try
        {
            await RunToolAsync(ProsodyCtlPath, ["--config", ConfigPath, "deluser", $"{user}@{Domain}"]).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // No such user yet.
        }

        await RunToolAsync(ProsodyCtlPath, ["--config", ConfigPath, "register", user, Domain, password]).ConfigureAwait(false);
    }

    /// <summary>SIGKILL: the server vanishes without closing streams, like a crash.</summary>
    public async Task KillAsync()
    {
        var p = _process;
        _process = null;
        if (p is null)
        {
            return;
        }
        using (p)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
            await p.WaitForExitAsync().ConfigureAwait(false);
        }
        KillPidFileStraggler();
    }

    public async Task RestartAsync()
    {
        await KillAsync().ConfigureAwait(false);
        await StartAsync().ConfigureAwait(false);
    }

    public async Task StartAsync()
    {
        if (_process is not null)
        {
            return;
        }
        var psi = new ProcessStartInfo(ProsodyPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(ConfigPath);
        psi.ArgumentList.Add("-F");
        var p = Process.Start(psi) ?? throw new InvalidOperationException("prosody did not start");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        using var cts = new CancellationTokenSource(StartTimeout);
        foreach (int port in new[] { C2sPort, DirectTlsPort, HttpPort, HttpsPort })
        {
            await WaitForPortAsync(port, p, cts.Token).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var p = _process;
        _process = null;
        if (p is not null)
        {
            using (p)
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                }
                await p.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        KillPidFileStraggler();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }

    private void KillPidFileStraggler()
    {
        string pidFile = Path.Combine(_root, "prosody.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out int pid))
        {
            return;
        }
        try
        {
            using var straggler = Process.GetProcessById(pid);
            // Only a prosody that uses our config: a recycled PID must not be touched.
            if (File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(ConfigPath, StringComparison.Ordinal))
            {
                straggler.Kill(entireProcessTree: true);
            }
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        File.Delete(pidFile);
    }

    private async Task WaitForPortAsync(int port, Process p, CancellationToken ct)
    {
        while (true)
        {
            if (p.HasExited)
            {
                throw new InvalidOperationException($"prosody exited with {p.ExitCode} before port {port} opened; log: {ReadLogTail()}");
            }
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port, ct).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                // Polling a port that the child is about to bind; no event exists for it.
                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"prosody did not open port {port} within {StartTimeout}; log: {ReadLogTail()}");
            }
        }
    }

    public string ReadLogTail()
    {
        try
        {
            string text = File.ReadAllText(LogPath);
            return text.Length > 4000 ? text[^4000..] : text;
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private string BuildConfig()
    {
        string crt = CertificatePath;
        string key = Path.Combine(_root, "localhost.key");
        string ssl = $"{{ certificate = \"{crt}\", key = \"{key}\" }}";
        var sb = new StringBuilder();
        sb.AppendLine("-- Written by CallBot.TestSupport.ProsodyFixture; private instance, loopback only.");
        // Tests run as root in containers; Prosody refuses that unless told.
        sb.AppendLine("run_as_root = true");
        sb.AppendLine("daemonize = false");
        sb.AppendLine(CultureInfo.InvariantCulture, $"pidfile = \"{Path.Combine(_root, "prosody.pid")}\"");
        sb.AppendLine(CultureInfo.InvariantCulture, $"data_path = \"{Path.Combine(_root, "data")}\"");
        sb.AppendLine(CultureInfo.InvariantCulture, $"certificates = \"{Path.Combine(_root, "certs")}\"");
        sb.AppendLine(CultureInfo.InvariantCulture, $"admin_socket = \"{Path.Combine(_root, "admin.sock")}\"");
        sb.AppendLine(CultureInfo.InvariantCulture, $"log = {{ {{ levels = {{ min = \"info\" }}, to = \"file\", filename = \"{LogPath}\" }} }}");
        sb.AppendLine("interfaces = { \"127.0.0.1\" }");
        sb.AppendLine("local_interfaces = { \"127.0.0.1\" }");
        sb.AppendLine(CultureInfo.InvariantCulture, $"c2s_ports = {{ {C2sPort} }}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"c2s_direct_tls_ports = {{ {DirectTlsPort} }}");
        sb.AppendLine("s2s_ports = { }");
        sb.AppendLine("http_interfaces = { \"127.0.0.1\" }");
        sb.AppendLine("https_interfaces = { \"127.0.0.1\" }");
        sb.AppendLine(CultureInfo.InvariantCulture, $"http_ports = {{ {HttpPort} }}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"https_ports = {{ {HttpsPort} }}");
        sb.AppendLine("modules_enabled = { \"roster\", \"saslauth\", \"tls\", \"disco\", \"ping\", \"posix\", \"websocket\", \"smacks\" }");
        sb.AppendLine("modules_disabled = { \"s2s\", \"offline\" }");
        sb.AppendLine("authentication = \"internal_hashed\"");
        sb.AppendLine("storage = \"internal\"");
        sb.AppendLine("c2s_require_encryption = false");
        sb.AppendLine("allow_unencrypted_plain_auth = true");
        sb.AppendLine("cross_domain_websocket = true");
        sb.AppendLine("consider_websocket_secure = true");
        // Room for the 10 MiB fault test: Prosody's own stanza cap must not be the one that trips.
        sb.AppendLine("c2s_stanza_size_limit = 16*1024*1024");
        sb.AppendLine("websocket_frame_fragment_limit = 2000");
        sb.AppendLine("websocket_max_frame_size = 16*1024*1024");
        sb.AppendLine("limits = { c2s = { rate = \"100mb/s\" } }");
        sb.AppendLine(CultureInfo.InvariantCulture, $"ssl = {ssl}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"https_ssl = {ssl}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"c2s_direct_tls_ssl = {ssl}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"VirtualHost \"{Domain}\"");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  ssl = {ssl}");
        return sb.ToString();
    }

    private static async Task RunToolAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().ConfigureAwait(false);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', psi.ArgumentList)} failed ({p.ExitCode}): {await stdout.ConfigureAwait(false)} {await stderr.ConfigureAwait(false)}");
        }
    }
}
