using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace CallBot.TestSupport.Rest;

/// <summary>One HTTP request as it reached the recorder: header names lower-cased, body as UTF-8 text.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>What the recorder answers: status and JSON (or empty) body.</summary>
public sealed record RecordedAnswer(int Status, string Body);

/// <summary>
/// A real HTTP server on a free loopback port that records every request and answers it: from a per-route queue of
/// scripted answers first (<see cref="Enqueue"/>), else from <see cref="Answer"/>. Stands in for the ConnectyCube REST
/// API in golden and renewal tests: the JS SDK (in Node) and CallBot are each pointed at one. A route can also be made to
/// hang (<see cref="Hang"/>): its requests are recorded and their connections left open, never answered.
/// </summary>
public sealed class RestRecorder : IAsyncDisposable
{
    private const int MaxBodyBytes = 64 * 1024;

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<RecordedAnswer>> _scripted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _hanging = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<HttpListenerContext> _unanswered = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RestRecorder(Func<RecordedRequest, RecordedAnswer> answer)
    {
        Answer = answer ?? throw new ArgumentNullException(nameof(answer));
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort.Tcp();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                BaseUrl = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    /// <summary><c>http://127.0.0.1:port</c>, no trailing slash (the SDK's <c>endpoints.api_url</c>).</summary>
    public string BaseUrl { get; } = string.Empty;

    public Func<RecordedRequest, RecordedAnswer> Answer { get; set; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Answers the next request to <paramref name="method"/> <paramref name="path"/> with this, before <see cref="Answer"/>.</summary>
    public void Enqueue(string method, string path, RecordedAnswer answer) =>
        _scripted.GetOrAdd($"{method} {path}", _ => new ConcurrentQueue<RecordedAnswer>()).Enqueue(answer);

    /// <summary>
    /// From now on, requests to <paramref name="method"/> <paramref name="path"/> are recorded and never answered: the
    /// connection stays open until the client gives up or the recorder is disposed (a server that accepts and hangs).
    /// </summary>
    public void Hang(string method, string path) => _hanging[$"{method} {path}"] = true;

    /// <summary>Requests to hanging routes that reached the recorder and are still unanswered.</summary>
    public int Unanswered => _unanswered.Count;

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            try
            {
                await HandleAsync(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or InvalidOperationException)
            {
                context.Response.Abort();
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string? name in request.Headers.AllKeys)
        {
            if (name is not null)
            {
                headers[name.ToLowerInvariant()] = request.Headers[name] ?? string.Empty;
            }
        }

        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await request.InputStream.ReadAsync(buffer).ConfigureAwait(false)) > 0 && body.Length < MaxBodyBytes)
        {
            body.Write(buffer, 0, read);
        }

        var recorded = new RecordedRequest(request.HttpMethod, request.Url!.PathAndQuery, headers, Encoding.UTF8.GetString(body.ToArray()));
        if (_hanging.ContainsKey($"{recorded.Method} {recorded.Path}"))
        {
            _unanswered.Enqueue(context); // before it shows in Requests, so a test that sees it recorded sees it held
            _requests.Enqueue(recorded);
            return;
        }

        _requests.Enqueue(recorded);
        RecordedAnswer answer;
        try
        {
            answer = _scripted.TryGetValue($"{recorded.Method} {recorded.Path}", out var queue) && queue.TryDequeue(out var scripted)
                ? scripted
                : Answer(recorded);
        }
#pragma warning disable CA1031 // A bug in a test's answer function becomes a 599 the test sees, not a dead recorder.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            answer = new RecordedAnswer(599, ex.ToString());
        }

        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        while (_unanswered.TryDequeue(out var held))
        {
            held.Response.Abort();
        }

        _listener.Close();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }
}
