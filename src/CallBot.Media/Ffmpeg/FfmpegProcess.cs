using System.ComponentModel;
using System.Diagnostics;

namespace CallBot.Media.Ffmpeg;

/// <summary>
/// One running FFmpeg (or ffprobe) process, supervised: arguments are passed as a list (never through a shell), stderr is
/// drained continuously into a bounded tail, and the process tree is killed on <see cref="DisposeAsync"/>, on cancellation
/// and on timeout, so a stuck FFmpeg can never hang the caller.
/// </summary>
/// <remarks>
/// Stdout and stdin are exposed as streams for callers that stream (the recorder writes to stdin; the clip encoder reads
/// stdout). A caller that does not read stdout must pass <c>redirectStdout: false</c>, or FFmpeg will block on a full pipe.
/// </remarks>
public sealed class FfmpegProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly BoundedTextTail _stderr;
    private readonly Task _stderrPump;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private FfmpegProcess(Process process, BoundedTextTail stderr)
    {
        _process = process;
        _stderr = stderr;
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => _exited.TrySetResult(SafeExitCode());
        if (_process.HasExited)
        {
            _exited.TrySetResult(SafeExitCode());
        }

        _stderrPump = PumpStderrAsync();
    }

    /// <summary>Process id, for logs.</summary>
    public int Id => _process.Id;

    /// <summary>FFmpeg's stdout, if redirected.</summary>
    public Stream StandardOutput => _process.StartInfo.RedirectStandardOutput
        ? _process.StandardOutput.BaseStream
        : throw new InvalidOperationException("stdout was not redirected");

    /// <summary>FFmpeg's stdin, if redirected (use <c>-i pipe:0</c>). Close it to signal end of input.</summary>
    public Stream StandardInput => _process.StartInfo.RedirectStandardInput
        ? _process.StandardInput.BaseStream
        : throw new InvalidOperationException("stdin was not redirected");

    /// <summary>The last bytes FFmpeg wrote to stderr (bounded).</summary>
    public string StderrTail => _stderr.ToString();

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>CPU time used so far (user + system), for benchmarks and health.</summary>
    public TimeSpan TotalProcessorTime
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    /// <summary>Starts <paramref name="executable"/> with <paramref name="arguments"/>. Throws <see cref="FfmpegException"/> with <see cref="FfmpegErrorKind.NotFound"/> if it cannot be started.</summary>
    public static FfmpegProcess Start(string executable, IReadOnlyList<string> arguments, bool redirectStdout = true, bool redirectStdin = false, int stderrLimit = FfmpegOptions.DefaultStderrLimit)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = redirectStdout,
            RedirectStandardError = true,
            // Always redirected: FFmpeg reads keys ('q') from a terminal stdin; an unused stdin is closed right after start.
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        try
        {
            if (!process.Start())
            {
                throw new FfmpegException(FfmpegErrorKind.NotFound, $"'{executable}' did not start");
            }
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new FfmpegException(FfmpegErrorKind.NotFound,
                $"'{executable}' could not be started: {e.Message}. Install FFmpeg (Debian: apt-get install ffmpeg, or scripts/setup.sh --runtime) or set Media:Ffmpeg:FfmpegPath.",
                inner: e);
        }

        if (!redirectStdin)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already exited: nothing to close.
            }
        }

        return new FfmpegProcess(process, new BoundedTextTail(stderrLimit));
    }

    /// <summary>Waits for exit; on cancellation kills the process tree and throws <see cref="OperationCanceledException"/>.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            var code = await _exited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            // Let the stderr pump finish so the tail is complete when the caller inspects it.
            await _stderrPump.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            return code;
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
    }

    /// <summary>Kills the whole process tree; safe to call at any time and more than once.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Not started or already gone.
        }
        catch (Win32Exception)
        {
            // Exiting while we kill it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        try
        {
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await _stderrPump.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The OS did not reap it in time; nothing more we can do without hanging.
        }

        _process.Dispose();
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            var reader = _process.StandardError;
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                _stderr.AppendLine(line);
            }
        }
        catch (IOException)
        {
            // Pipe broken by a kill.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while reading.
        }
    }

    private int SafeExitCode()
    {
        try
        {
            return _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }
}
