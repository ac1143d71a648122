using System.Diagnostics;
using System.Text;

namespace CallBot.Recording.Ffmpeg;

/// <summary>
/// One FFmpeg child process: optional stdin pipe, the tail of stderr kept for error reports, bounded shutdown
/// (wait, then kill the whole process tree).
/// </summary>
internal sealed class FfmpegProcess : IAsyncDisposable
{
    private const int StderrTailLines = 20;

    private readonly Process _process;
    private readonly Queue<string> _stderrTail = new();
    private readonly Task _stderrPump;

    private FfmpegProcess(Process process)
    {
        _process = process;
        _stderrPump = PumpStderrAsync();
    }

    public int ProcessId => _process.Id;

    public Stream? Input => _process.StartInfo.RedirectStandardInput ? _process.StandardInput.BaseStream : null;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts FFmpeg; throws <see cref="System.ComponentModel.Win32Exception"/> if the binary is missing.</summary>
    public static FfmpegProcess Start(string ffmpegPath, IEnumerable<string> arguments, bool withInput)
    {
        var info = new ProcessStartInfo(ffmpegPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = withInput,
            RedirectStandardError = true,
            RedirectStandardOutput = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start");
        return new FfmpegProcess(process);
    }

    /// <summary>The last lines FFmpeg printed to stderr (its error messages at -loglevel error).</summary>
    public string StderrTail
    {
        get
        {
            lock (_stderrTail)
            {
                return string.Join('\n', _stderrTail);
            }
        }
    }

    /// <summary>Closes stdin (end of input), waits up to <paramref name="timeout"/>, kills the tree if still running.</summary>
    /// <returns>True if FFmpeg exited by itself within the timeout.</returns>
    public async Task<bool> CloseAndWaitAsync(TimeSpan timeout)
    {
        if (_process.StartInfo.RedirectStandardInput)
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already broken: FFmpeg exited; the exit code tells why.
            }
        }

        return await WaitAsync(timeout).ConfigureAwait(false);
    }

    public async Task<bool> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await _stderrPump.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            Kill();
            return false;
        }
        catch (TimeoutException)
        {
            return true;
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private async Task PumpStderrAsync()
    {
        var reader = _process.StandardError;
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(line.Length > 500 ? line[..500] : line);
                while (_stderrTail.Count > StderrTailLines)
                {
                    _stderrTail.Dequeue();
                }
            }
        }
    }

    /// <summary>Runs FFmpeg to completion (finalize-time jobs: MP4, composite). Returns (success, error text).</summary>
    public static async Task<(bool Ok, string Error)> RunAsync(string ffmpegPath, IEnumerable<string> arguments, TimeSpan timeout)
    {
        FfmpegProcess process;
        try
        {
            process = Start(ffmpegPath, arguments, withInput: false);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (false, "ffmpeg could not start: " + ex.Message);
        }

        await using (process.ConfigureAwait(false))
        {
            var exited = await process.WaitAsync(timeout).ConfigureAwait(false);
            if (!exited)
            {
                return (false, $"ffmpeg did not finish within {timeout.TotalSeconds:0.#} s and was killed");
            }

            if (process.ExitCode != 0)
            {
                var message = new StringBuilder("ffmpeg exited with code ").Append(process.ExitCode);
                var tail = process.StderrTail;
                if (tail.Length > 0)
                {
                    message.Append(": ").Append(tail);
                }

                return (false, message.ToString());
            }

            return (true, string.Empty);
        }
    }
}
