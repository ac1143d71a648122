using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CallBot.Delivery;

namespace CallBot.TestSupport.Webhooks;

/// <summary>One request the receiver accepted (signature valid) or refused.</summary>
public sealed record ReceivedWebhook(string Type, string Id, string SessionId, JsonElement Body, DateTimeOffset ReceivedAt, SignatureCheck Check);

/// <summary>
/// A real HTTP webhook receiver on 127.0.0.1 (HttpListener): verifies <c>CallBot-Signature</c> with the documented rule
/// (<see cref="WebhookSignature.Verify"/>, 5-minute window), answers 204 when valid and 401 otherwise, and records both.
/// <see cref="Stop"/> closes the port (receiver down); <see cref="Start"/> opens it again.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly string _secret;
    private HttpListener? _listener;

    public WebhookReceiver(string secret)
    {
        _secret = secret;
        Port = FreePort.Tcp();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hooks/";
    public ConcurrentQueue<ReceivedWebhook> Accepted { get; } = new();
    public ConcurrentQueue<ReceivedWebhook> Refused { get; } = new();

    public void Start()
    {
        _listener = new HttpListener();
        _listener.Prefixes.Add(Url);
        _listener.Start();
        var listener = _listener;
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Handle(context);
            }
        });
    }

    public void Stop()
    {
        _listener?.Close();
        _listener = null;
    }

    public void Dispose() => Stop();

    private void Handle(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        context.Request.InputStream.CopyTo(body);
        var bytes = body.ToArray();
        var check = WebhookSignature.Verify(_secret, context.Request.Headers[WebhookSignature.HeaderName], bytes, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance);
        ReceivedWebhook received;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement.Clone();
            received = new ReceivedWebhook(root.GetProperty("type").GetString()!, root.GetProperty("id").GetString()!, root.GetProperty("sessionId").GetString()!, root, DateTimeOffset.UtcNow, check);
        }
        catch (JsonException)
        {
            received = new ReceivedWebhook("?", "?", "?", default, DateTimeOffset.UtcNow, check);
        }

        (check == SignatureCheck.Valid ? Accepted : Refused).Enqueue(received);
        context.Response.StatusCode = check == SignatureCheck.Valid ? 204 : 401;
        context.Response.Close();
    }
}
