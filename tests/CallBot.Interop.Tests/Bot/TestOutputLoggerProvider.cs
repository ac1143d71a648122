using System.Globalization;
using Microsoft.Extensions.Logging;

namespace CallBot.Interop.Tests.Bot;

/// <summary>Bot logs into the xunit output of the test that started the bot (lines after the test ended are dropped).</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper? output, LogLevel minimum) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        try
        {
            output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test is over.
        }
    }

    private sealed class Logger(TestOutputLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var text = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} bot {logLevel,-11} {category}: {formatter(state, exception)}");
            owner.Write(exception is null ? text : text + Environment.NewLine + exception);
        }
    }

    private readonly LogLevel _minimum = minimum;
}
