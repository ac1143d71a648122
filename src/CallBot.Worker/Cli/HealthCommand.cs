using System.CommandLine;

namespace CallBot.Worker.Cli;

/// <summary><c>callbot health --url URL</c>: exit 0 when the URL answers 200 (the Docker HEALTHCHECK).</summary>
internal static class HealthCommand
{
    public static Command Build()
    {
        var url = new Option<Uri>("--url") { Description = "URL to check, e.g. http://127.0.0.1:8080/readyz.", DefaultValueFactory = _ => new Uri("http://127.0.0.1:8080/readyz") };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the answer.", DefaultValueFactory = _ => 5 };
        var command = new Command("health", "Exit 0 when the health URL answers 200.") { url, timeout };
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))) };
            try
            {
                using var response = await http.GetAsync(parse.GetValue(url), ct).ConfigureAwait(false);
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
