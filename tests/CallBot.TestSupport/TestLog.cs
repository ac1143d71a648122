using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CallBot.TestSupport;

/// <summary>
/// The one test logger: a logger factory and provider that writes the lines of the components under test to a test's
/// output (shown when it fails) and/or keeps the last <c>memoryLines</c> of them, so a test can put what a component
/// said into its own failure message (<see cref="Tail"/>). Lines written after the test ended are dropped.
/// </summary>
public sealed class TestLog : ILoggerFactory, ILoggerProvider
{
    private readonly ITestOutputHelper? _output;
    private readonly string _prefix;
    private readonly LogLevel _minimum;
    private readonly int _memoryLines;
    private readonly ConcurrentQueue<string> _lines = new();

    /// <param name="output">Where lines go as they are logged; null keeps them in memory only.</param>
    /// <param name="prefix">Put before each category (e.g. which bot of several logged the line).</param>
    /// <param name="minimum">Lowest level written.</param>
    /// <param name="memoryLines">How many of the last lines <see cref="Tail"/> can return; 0 keeps none.</param>
    public TestLog(ITestOutputHelper? output, string? prefix = null, LogLevel minimum = LogLevel.Information, int memoryLines = 0)
    {
        _output = output;
        _prefix = string.IsNullOrEmpty(prefix) ? string.Empty : prefix + " ";
        _minimum = minimum;
        _memoryLines = memoryLines;
    }

    /// <summary>Writes to the running test's output.</summary>
    public static TestLog ToTestOutput(string? prefix = null, LogLevel minimum = LogLevel.Information) =>
        new(TestContext.Current.TestOutputHelper, prefix, minimum);

    /// <summary>Keeps the last <paramref name="lines"/> lines (Debug and above) in memory only.</summary>
    public static TestLog InMemory(int lines = 400) => new(null, minimum: LogLevel.Debug, memoryLines: lines);

    /// <summary>The last <paramref name="lines"/> lines kept in memory, oldest first.</summary>
    public string Tail(int lines = 60) => string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - lines)));

    public ILogger CreateLogger(string categoryName) => new Logger(this, _prefix + categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        if (_memoryLines > 0)
        {
            _lines.Enqueue(line);
            while (_lines.Count > _memoryLines && _lines.TryDequeue(out _))
            {
            }
        }

        try
        {
            _output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test is over.
        }
    }

    private sealed class Logger(TestLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var text = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel.ToString()[..4]} {category}: {formatter(state, exception)}");
            owner.Write(exception is null ? text : text + " | " + exception);
        }
    }
}
