using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit;

namespace CallBot.TestSupport.Chromium;

/// <summary>
/// One Chromium tab with the helpers interop tests need: evaluate JS, wait for a JS condition, read getStats() as JSON.
/// The browser console and page errors are captured; on dispose they are written to the current xunit test output
/// (shown when the test fails), and a failed wait includes them in its exception.
/// </summary>
public sealed class ChromiumPage : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private readonly ConcurrentQueue<string> _console = new();

    internal ChromiumPage(IPage page)
    {
        Page = page;
        page.Console += (_, message) => _console.Enqueue($"[console.{message.Type}] {message.Text}");
        page.PageError += (_, error) => _console.Enqueue($"[pageerror] {error}");
    }

    public IPage Page { get; }

    /// <summary>The console lines so far, oldest first.</summary>
    public IReadOnlyList<string> ConsoleLines => [.. _console];

    public Task<T> EvaluateAsync<T>(string expression, object? argument = null) => Page.EvaluateAsync<T>(expression, argument);

    public async Task EvaluateAsync(string expression, object? argument = null) => await Page.EvaluateAsync(expression, argument);

    /// <summary>
    /// Waits until the JS <paramref name="condition"/> (an expression or a function body returning truthy) holds;
    /// throws <see cref="System.TimeoutException"/> with the console log when it does not within <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForAsync(string condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            await Page.WaitForFunctionAsync(condition, null, new PageWaitForFunctionOptions { Timeout = (float)limit.TotalMilliseconds, PollingInterval = 50 });
        }
        catch (System.TimeoutException ex)
        {
            throw new System.TimeoutException($"'{condition}' not true after {limit.TotalSeconds:0.#} s. Console:\n{string.Join('\n', ConsoleLines)}", ex);
        }
    }

    /// <summary>
    /// <c>getStats()</c> of the RTCPeerConnection that <paramref name="peerConnectionExpression"/> evaluates to, as a JSON
    /// array of stats objects (each has "type" and "id"; e.g. "inbound-rtp" with "packetsReceived").
    /// </summary>
    public async Task<JsonElement> GetStatsAsync(string peerConnectionExpression = "window.pc")
    {
        var json = await Page.EvaluateAsync<string>(
            $"async () => {{ const r = await ({peerConnectionExpression}).getStats(); const a = []; r.forEach(s => a.push(s)); return JSON.stringify(a); }}");
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Stats entries of one type ("inbound-rtp", "outbound-rtp", "candidate-pair", ...).</summary>
    public async Task<IReadOnlyList<JsonElement>> GetStatsOfTypeAsync(string type, string peerConnectionExpression = "window.pc")
    {
        var all = await GetStatsAsync(peerConnectionExpression);
        var result = new List<JsonElement>();
        foreach (var item in all.EnumerateArray())
        {
            if (item.TryGetProperty("type", out var t) && t.GetString() == type)
            {
                result.Add(item);
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        var output = TestContext.Current.TestOutputHelper;
        if (output is not null && !_console.IsEmpty)
        {
            output.WriteLine("Chromium console:");
            foreach (var line in _console)
            {
                output.WriteLine(line);
            }
        }

        await Page.CloseAsync();
    }
}
