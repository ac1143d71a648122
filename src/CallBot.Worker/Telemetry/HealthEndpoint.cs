using System.Net;
using System.Text;
using CallBot.Worker.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Telemetry;

/// <summary>Answers readiness for the process: <c>/readyz</c> is ready when every bot's chat is online.</summary>
public interface IReadinessProbe
{
    bool IsReady(out string detail);
}

/// <summary>
/// <c>/healthz</c> (the process serves) and <c>/readyz</c> (chat online) on a loopback-by-default HttpListener;
/// used by the Docker HEALTHCHECK and Kubernetes probes.
/// </summary>
internal sealed partial class HealthEndpoint(IOptions<TelemetryOptions> options, IReadinessProbe readiness, ILogger<HealthEndpoint> logger) : BackgroundService
{
    private HttpListener? _listener;

    /// <summary>Listens before the host reports started (ExecuteAsync runs on a background thread since .NET 10).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var prefix = options.Value.HealthPrefix;
        if (!string.IsNullOrEmpty(prefix))
        {
            var listener = new HttpListener();
            listener.Prefixes.Add(prefix);
            try
            {
                listener.Start();
                _listener = listener;
                LogListening(logger, prefix);
            }
            catch (HttpListenerException ex)
            {
                listener.Close();
                LogCannotListen(logger, prefix, ex.Message);
            }
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _listener?.Close();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_listener is not { } listener)
        {
            return;
        }

        using var registration = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().WaitAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                break;
            }

            Respond(context);
        }
    }

    private void Respond(HttpListenerContext context)
    {
        var path = context.Request.Url?.AbsolutePath ?? "/";
        var (status, body) = path switch
        {
            "/healthz" => (200, "ok"),
            "/readyz" => readiness.IsReady(out var detail) ? (200, detail) : (503, detail),
            _ => (404, "not found"),
        };
        var bytes = Encoding.UTF8.GetBytes(body + "\n");
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }

    [LoggerMessage(5301, LogLevel.Information, "Health endpoints on {Prefix} (/healthz, /readyz)")]
    private static partial void LogListening(ILogger logger, string prefix);

    [LoggerMessage(5302, LogLevel.Warning, "Health endpoints disabled: cannot listen on {Prefix}: {Reason}")]
    private static partial void LogCannotListen(ILogger logger, string prefix, string reason);
}
