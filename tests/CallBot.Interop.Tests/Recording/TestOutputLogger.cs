using Microsoft.Extensions.Logging;

namespace CallBot.Interop.Tests.Recording;

/// <summary>Sends Information-and-above log lines of the components under test to the test's diagnostic output.</summary>
internal sealed class TestOutputLoggerFactory(string prefix) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(prefix + " " + categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                TestContext.Current.SendDiagnosticMessage($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception?.Message}");
            }
        }
    }
}
