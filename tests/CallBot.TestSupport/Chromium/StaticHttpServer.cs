using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace CallBot.TestSupport.Chromium;

/// <summary>
/// A tiny static HTTP server on http://127.0.0.1:&lt;free port&gt;/ for test pages: content registered from strings with
/// <see cref="Add"/>, or files under <see cref="RootFolder"/>. 127.0.0.1 is a secure context, so
/// getUserMedia and RTCPeerConnection work. GET only; anything unknown is 404.
/// </summary>
public sealed class StaticHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, (byte[] Body, string ContentType)> _content = new(StringComparer.Ordinal);
    private string? _root;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public StaticHttpServer(string? rootFolder = null)
    {
        _root = rootFolder is null ? null : Path.GetFullPath(rootFolder);
        var port = FreePort.Tcp();
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUri.ToString());
        _listener.Start();
        Add("/blank.html", "<!doctype html><html><head><meta charset=\"utf-8\"><title>blank</title></head><body></body></html>");
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>A folder whose files are served too (after the pages added with <see cref="Add"/>); null serves none.</summary>
    public string? RootFolder
    {
        get => _root;
        set => _root = value is null ? null : Path.GetFullPath(value);
    }

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/> (leading '/'); content type from the extension unless given.</summary>
    public void Add(string path, string content, string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        _content[path.StartsWith('/') ? path : "/" + path] = (Encoding.UTF8.GetBytes(content), contentType ?? ContentTypeOf(path));
    }

    public Uri UriOf(string path) => new(BaseUri, path.TrimStart('/'));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _listener.Close();
        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => RespondAsync(context));
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "/";
            if (TryGet(path, out var body, out var contentType))
            {
                response.StatusCode = (int)HttpStatusCode.OK;
                response.ContentType = contentType;
                response.ContentLength64 = body.Length;
                await response.OutputStream.WriteAsync(body);
            }
            else
            {
                response.StatusCode = (int)HttpStatusCode.NotFound;
            }
        }
        catch (HttpListenerException)
        {
        }
        finally
        {
            response.Close();
        }
    }

    private bool TryGet(string path, out byte[] body, out string contentType)
    {
        if (_content.TryGetValue(path, out var entry))
        {
            (body, contentType) = entry;
            return true;
        }

        body = [];
        contentType = string.Empty;
        if (_root is null)
        {
            return false;
        }

        var file = Path.GetFullPath(Path.Combine(_root, Uri.UnescapeDataString(path).TrimStart('/')));
        if (!file.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
        {
            return false;
        }

        body = File.ReadAllBytes(file);
        contentType = ContentTypeOf(file);
        return true;
    }

    private static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".html" or ".htm" => "text/html; charset=utf-8",
        ".js" or ".mjs" => "text/javascript; charset=utf-8",
        ".json" => "application/json",
        ".css" => "text/css",
        _ => "application/octet-stream",
    };
}
