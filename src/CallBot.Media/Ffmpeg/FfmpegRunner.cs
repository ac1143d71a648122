using System.Buffers;
using CallBot.Abstractions.Ffmpeg;

namespace CallBot.Media.Ffmpeg;

/// <summary>Output of a one-shot FFmpeg run.</summary>
/// <param name="Stdout">Everything FFmpeg wrote to stdout (the encoded stream when the output is <c>pipe:1</c>).</param>
/// <param name="StderrTail">The bounded tail of stderr.</param>
public sealed record FfmpegResult(byte[] Stdout, string StderrTail);

/// <summary>
/// Runs FFmpeg to completion with a time budget and an output cap, and turns every failure into an
/// <see cref="FfmpegException"/> with a kind the caller can act on. No hang: timeout and cancellation kill the process tree.
/// </summary>
public sealed class FfmpegRunner
{
    private const int ReadChunk = 64 * 1024;
    private readonly FfmpegOptions _options;

    public FfmpegRunner(FfmpegOptions? options = null) => _options = options ?? new FfmpegOptions();

    public FfmpegOptions Options => _options;

    /// <summary>Runs ffmpeg with <paramref name="arguments"/> (the runner adds <c>-hide_banner -nostdin -nostats</c>).</summary>
    public Task<FfmpegResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var full = new List<string>(arguments.Count + 3) { "-hide_banner", "-nostdin", "-nostats" };
        full.AddRange(arguments);
        return RunExecutableAsync(_options.FfmpegPath, full, timeout, cancellationToken);
    }

    /// <summary>Runs ffprobe with <paramref name="arguments"/>.</summary>
    public Task<FfmpegResult> ProbeAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
        => RunExecutableAsync(_options.FfprobePath, arguments, TimeSpan.FromSeconds(30), cancellationToken);

    private async Task<FfmpegResult> RunExecutableAsync(string executable, IReadOnlyList<string> arguments, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout ?? _options.RunTimeout);
        await using var process = FfmpegProcess.Start(executable, arguments, redirectStdout: true, redirectStdin: false, _options.StderrLimit);
        byte[] output;
        try
        {
            output = await ReadAllBoundedAsync(process, budget.Token).ConfigureAwait(false);
            var exitCode = await process.WaitForExitAsync(budget.Token).ConfigureAwait(false);
            if (exitCode != 0)
            {
                var tail = process.StderrTail;
                throw new FfmpegException(FfmpegErrorClassifier.Classify(tail), $"{Path.GetFileName(executable)} exited with code {exitCode}", tail, exitCode);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill();
            throw new FfmpegException(FfmpegErrorKind.Timeout, $"{Path.GetFileName(executable)} did not finish within {timeout ?? _options.RunTimeout}; killed", process.StderrTail);
        }

        return new FfmpegResult(output, process.StderrTail);
    }

    private async Task<byte[]> ReadAllBoundedAsync(FfmpegProcess process, CancellationToken cancellationToken)
    {
        var writer = new ArrayBufferWriter<byte>(ReadChunk);
        var stdout = process.StandardOutput;
        while (true)
        {
            var memory = writer.GetMemory(ReadChunk);
            int read;
            try
            {
                read = await stdout.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw;
            }

            if (read == 0)
            {
                return writer.WrittenSpan.ToArray();
            }

            writer.Advance(read);
            if (writer.WrittenCount > _options.MaxOutputBytes)
            {
                process.Kill();
                throw new FfmpegException(FfmpegErrorKind.OutputTooLarge, $"ffmpeg output exceeded {_options.MaxOutputBytes} bytes; killed", process.StderrTail);
            }
        }
    }
}
