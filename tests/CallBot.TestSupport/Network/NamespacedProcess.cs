using System.Diagnostics;
using System.Text;

namespace CallBot.TestSupport.Network;

/// <summary>
/// A child process started with <c>ip netns exec</c> (which execs the target, so <see cref="Id"/> is the program itself).
/// Stdout and stderr are captured; dispose kills the whole process tree. Owned and disposed by the <see cref="NetworkLab"/>.
/// </summary>
public sealed class NamespacedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _watches = [];
    private readonly TaskCompletionSource _streamsClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;
    private bool _disposed;

    internal NamespacedProcess(string ipPath, LabNamespace ns, string file, IReadOnlyList<string> args)
    {
        Namespace = ns;
        var start = new ProcessStartInfo(ipPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("netns");
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(ns.Name);
        start.ArgumentList.Add(file);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(_stderr, e.Data);
        if (!_process.Start())
        {
            throw new NetworkLabException($"could not start {file} in {ns.Name}");
        }

        Id = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public LabNamespace Namespace { get; }

    public int Id { get; }

    /// <summary>True once the process has ended (always true after dispose, which kills it).</summary>
    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>The child's stdin, e.g. to feed a filter program.</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Completes once stdout or stderr has contained <paramref name="text"/> (e.g. a "listening" line).</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_stdout.ToString().Contains(text, StringComparison.Ordinal) || _stderr.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            _watches.Add((text, seen));
        }

        return WithTimeout(seen.Task, timeout, $"'{text}' in the output of process {Id} in {Namespace.Name}");
    }

    /// <summary>Waits for exit (and for its output to be fully read) and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await WithTimeout(Task.WhenAll(_process.WaitForExitAsync(), _streamsClosed.Task), timeout, $"exit of process {Id} in {Namespace.Name}");
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            _disposed = true;
            _process.Dispose();
        }
    }

    private void OnLine(StringBuilder target, string? line)
    {
        lock (_gate)
        {
            if (line is null)
            {
                if (--_openStreams == 0)
                {
                    _streamsClosed.TrySetResult();
                }

                return;
            }

            target.Append(line).Append('\n');
            for (int i = _watches.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_watches[i].Text, StringComparison.Ordinal))
                {
                    _watches[i].Seen.TrySetResult();
                    _watches.RemoveAt(i);
                }
            }
        }
    }

    private static async Task WithTimeout(Task task, TimeSpan timeout, string what)
    {
        try
        {
            await task.WaitAsync(timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}", e);
        }
    }
}
