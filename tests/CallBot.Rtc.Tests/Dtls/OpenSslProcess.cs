using System.Diagnostics;

namespace CallBot.Rtc.Tests.Dtls;

/// <summary>Runs <c>openssl s_server</c>/<c>s_client</c> with stdin held open and watches its output.</summary>
internal sealed class OpenSslProcess : IDisposable
{
    private const string KeyingMaterialPrefix = "Keying material: ";
    private readonly Process process;
    private readonly TaskCompletionSource<byte[]> keyingMaterial = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder output = new();

    public OpenSslProcess(IEnumerable<string> arguments, string readyMarker)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        process = new Process { StartInfo = start };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (line.Contains(readyMarker, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }

            var at = line.IndexOf(KeyingMaterialPrefix, StringComparison.Ordinal);
            if (at >= 0)
            {
                keyingMaterial.TrySetResult(Convert.FromHexString(line[(at + KeyingMaterialPrefix.Length)..].Trim()));
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Task Ready => ready.Task;

    public Task<byte[]> KeyingMaterial => keyingMaterial.Task;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process.Dispose();
    }
}
