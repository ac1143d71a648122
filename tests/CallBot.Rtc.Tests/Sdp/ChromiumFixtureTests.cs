using System.Net;
using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.Sdp;

/// <summary>The Chromium fixture's own helpers: pages from strings and folders, console capture, waits, 404s.</summary>
public sealed class ChromiumFixtureTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Page_and_script_served_from_strings_run_in_a_secure_context_and_log_to_the_console()
    {
        chromium.Server.Add("/fixture-test/app.js", "console.log('app loaded'); window.answer = 6 * 7;");
        chromium.Server.Add("/fixture-test/index.html", "<!doctype html><script src=\"app.js\"></script>");

        await using var page = await chromium.NewPageAsync("/fixture-test/index.html");
        await page.WaitForAsync("window.answer === 42");

        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.answer"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.isSecureContext && typeof RTCPeerConnection === 'function'"));
        Assert.Contains("[console.log] app loaded", page.ConsoleLines);
    }

    [Fact]
    public async Task Wait_that_never_holds_throws_TimeoutException_carrying_the_console()
    {
        await using var page = await chromium.NewPageAsync();
        await page.EvaluateAsync("() => console.warn('still waiting')");

        var error = await Assert.ThrowsAsync<TimeoutException>(() => page.WaitForAsync("window.neverSet === true", TimeSpan.FromMilliseconds(300)));

        Assert.Contains("still waiting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_serves_a_folder_and_refuses_unknown_paths_and_escapes()
    {
        var folder = Directory.CreateTempSubdirectory("callbot-static-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "page.html"), "<p>from disk</p>", TestContext.Current.CancellationToken);
            await using var server = new StaticHttpServer { RootFolder = folder.FullName };
            using var http = new HttpClient { BaseAddress = server.BaseUri };

            Assert.Equal("<p>from disk</p>", await http.GetStringAsync("/page.html", TestContext.Current.CancellationToken));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/missing.html", TestContext.Current.CancellationToken)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/..%2f..%2fetc%2fpasswd", TestContext.Current.CancellationToken)).StatusCode);
            Assert.Equal("127.0.0.1", server.BaseUri.Host);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
