using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Tests.Interop;

/// <summary>
/// A logger factory that keeps the last lines in memory, so a test can put what the component said into its failure
/// message instead of rerunning with a console logger.
/// </summary>
public sealed class MemoryLog(int capacity = 400) : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();

    public string Tail(int lines = 60) => string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - lines)));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(MemoryLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var ms = System.Diagnostics.Stopwatch.GetElapsedTime(log._start).TotalMilliseconds;
            log.Add($"{ms,8:0} {logLevel.ToString()[..4]} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
        }
    }
}
