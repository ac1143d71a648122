using System.CommandLine;

namespace CallBot.Worker.Cli;

/// <summary><c>callbot health --url URL</c>: exit 0 when the URL answers 200 (the Docker HEALTHCHECK).</summary>
internal static class HealthCommand
{
    public static Command Build()
    {
        var url = new Option<string>("--url") { Description = "URL to check, e.g. http://127.0.0.1:8080/readyz.", DefaultValueFactory = _ => "http://127.0.0.1:8080/readyz" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the answer.", DefaultValueFactory = _ => 5 };
        var command = new Command("health", "Exit 0 when the health URL answers 200.") { url, timeout };
        command.SetAction(async (parse, ct) =>
        {
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
            {
                await Console.Error.WriteLineAsync("--url: expected an absolute http:// or https:// URL.").ConfigureAwait(false);
                return 2;
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))) };
            try
            {
                using var response = await http.GetAsync(target, ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                Console.Out.WriteLine($"{(int)response.StatusCode} {body.Trim()}");
                return response.StatusCode == System.Net.HttpStatusCode.OK ? 0 : 1;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Console.Error.WriteLine($"unhealthy: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}
