using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CallBot.TestSupport.S3;

/// <summary>
/// A private s3rver (npm, pinned in tests/s3/package.json, installed by scripts/setup.sh) on 127.0.0.1 and a free
/// port, storing into its own temp folder, bucket <see cref="Bucket"/> created at start. A separate node process:
/// <see cref="StopAsync"/> kills it (storage outage), <see cref="StartAsync"/> brings it back on the same port and data,
/// so multipart uploads in progress survive, as on a real S3. Credentials are s3rver's fixed S3RVER/S3RVER.
/// </summary>
public sealed class S3rverServer : IAsyncDisposable
{
    public const string Bucket = "recordings";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private Process? _process;

    public S3rverServer()
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "callbot-s3rver-" + Guid.NewGuid().ToString("N")[..12]);
        Port = FreePort.Tcp();
    }

    public int Port { get; }
    public string DataDirectory { get; }
    public Uri ServiceUrl => new($"http://127.0.0.1:{Port}");
    public bool Running => _process is { HasExited: false };

    /// <summary>tests/s3/node_modules/s3rver/bin/s3rver.js, found by walking up from the test assembly (CALLBOT_S3RVER overrides).</summary>
    public static string ScriptPath()
    {
        if (Environment.GetEnvironmentVariable("CALLBOT_S3RVER") is { Length: > 0 } overridden)
        {
            return overridden;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "s3", "node_modules", "s3rver", "bin", "s3rver.js");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("s3rver is not installed: run scripts/setup.sh (npm install in tests/s3).");
    }

    public async Task StartAsync()
    {
        if (Running)
        {
            return;
        }

        Directory.CreateDirectory(DataDirectory);
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { ScriptPath(), "-d", DataDirectory, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--no-vhost-buckets", "--configure-bucket", Bucket })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with {_process.ExitCode} at start");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < StartTimeout)
            {
                await Task.Delay(50).ConfigureAwait(false); // polling for the port to accept, bounded by StartTimeout
            }
        }
    }

    /// <summary>SIGKILL: storage gone without a goodbye; connections in flight are cut.</summary>
    public async Task StopAsync()
    {
        var p = _process;
        _process = null;
        if (p is null)
        {
            return;
        }

        if (!p.HasExited)
        {
            p.Kill(entireProcessTree: true);
        }

        await p.WaitForExitAsync().ConfigureAwait(false);
        p.Dispose();
    }

    /// <summary>Multipart uploads s3rver still holds (started, not completed): one folder each.</summary>
    public int OpenMultipartUploads()
    {
        var uploads = Path.Combine(DataDirectory, Bucket, "._S3rver_uploads");
        return Directory.Exists(uploads) ? Directory.GetDirectories(uploads).Length : 0;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }
}
