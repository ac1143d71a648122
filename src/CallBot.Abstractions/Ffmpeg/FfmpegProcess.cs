using System.ComponentModel;
using System.Diagnostics;

namespace CallBot.Abstractions.Ffmpeg;

/// <summary>
/// One running FFmpeg (or ffprobe) process, supervised: arguments are passed as a list (never through a shell), stderr is
/// drained continuously into a bounded tail, and the process tree is killed on <see cref="DisposeAsync"/>, on cancellation
/// and on timeout, so a stuck FFmpeg can never hang the caller.
/// </summary>
/// <remarks>
/// Stdout and stdin are exposed as streams for callers that stream (the recorder writes to stdin; the clip encoder reads
/// stdout). A caller that does not read stdout must pass <c>redirectStdout: false</c>, or FFmpeg will block on a full pipe.
/// This is the only FFmpeg process type: Media's clip encoder and Recording's muxer and post-processing all use it.
/// </remarks>
public sealed class FfmpegProcess : IAsyncDisposable
{
    /// <summary>Bytes of stderr kept (the tail) unless the caller says otherwise; FFmpeg can print without end on a broken input.</summary>
    public const int DefaultStderrLimit = 16 * 1024;

    /// <summary>How long the stderr pump may take to reach end-of-file after the process exited.</summary>
    private static readonly TimeSpan StderrDrainLimit = TimeSpan.FromSeconds(5);

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

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>The exit code; only valid once <see cref="HasExited"/> (−1 if the OS did not report one).</summary>
    public int ExitCode => _exited.Task.IsCompleted ? SafeExitCode() : throw new InvalidOperationException("FFmpeg has not exited");

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
    public static FfmpegProcess Start(string executable, IReadOnlyList<string> arguments, bool redirectStdout = true, bool redirectStdin = false, int stderrLimit = DefaultStderrLimit)
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
            await DrainStderrAsync().ConfigureAwait(false);
            return code;
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for exit; kills the process tree if it is still running then.</summary>
    /// <returns>True if FFmpeg exited by itself within the timeout.</returns>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
            return false;
        }

        await DrainStderrAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Closes stdin (end of input, FFmpeg then finishes its output), waits up to <paramref name="timeout"/>, kills the tree if still running.</summary>
    /// <returns>True if FFmpeg exited by itself within the timeout.</returns>
    public Task<bool> CloseInputAndWaitAsync(TimeSpan timeout)
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

        return WaitForExitAsync(timeout);
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
            await _exited.Task.WaitAsync(StderrDrainLimit).ConfigureAwait(false);
            await _stderrPump.WaitAsync(StderrDrainLimit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The OS did not reap it in time; nothing more we can do without hanging.
        }

        _process.Dispose();
    }

    /// <summary>Lets the stderr pump reach end-of-file so the tail is complete when the caller inspects it.</summary>
    private async Task DrainStderrAsync()
    {
        try
        {
            await _stderrPump.WaitAsync(StderrDrainLimit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A grandchild still holds the pipe open: the tail is what arrived so far.
        }
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
