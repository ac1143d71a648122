using System.Text.Json;
using CallBot.Load.Driver;
using CallBot.Load.Reports;
using CallBot.Load.Soak;
using CallBot.Load.Tests.Running;
using CallBot.TestSupport.Chromium;
using Microsoft.Playwright;
using SkiaSharp;

namespace CallBot.Load.Tests.Reports;

/// <summary>Renders report.html in headless Chromium (run inside a network namespace with only lo) and checks the charts.</summary>
public sealed class HtmlReportChromiumTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Report_html_renders_in_chromium_with_every_chart_decoded_and_drawn()
    {
        var scenario = TestScenarios.Pairs(thresholds: LoadRunnerTests.GoodThresholds);
        var result = await LoadRunnerTests.RunDryAsync(scenario, new DryRunCallBehavior { FailureShare = 0.1, FailureReason = "ice-timeout" });
        var report = result.Report;
        report.Soak.Add(new SoakReport
        {
            Shard = "0/1",
            IntervalSeconds = 10,
            Samples = [.. Enumerable.Range(0, 30).Select(i => new SoakSample { OffsetSeconds = i * 10, RssBytes = (150 + (i % 3)) * 1048576L, GcHeapBytes = 40 * 1048576L, Threads = 25, Sockets = 12 })],
            Verdicts = LeakAnalyzer.Analyze([.. Enumerable.Range(0, 30).Select(i => new SoakSample { OffsetSeconds = i * 10, RssBytes = 150 * 1048576L })], new SoakLimits()),
            Passed = true,
        });
        var html = HtmlReportWriter.Render(report);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal); // self-contained
        chromium.Server.Add("/report.html", html);

        await using var page = await chromium.NewPageAsync("/report.html");
        await page.WaitForAsync("() => [...document.images].length > 0 && [...document.images].every(i => i.complete)");

        var images = await page.EvaluateAsync<JsonElement>("() => [...document.querySelectorAll('img.chart')].map(i => ({ id: i.id, w: i.naturalWidth, h: i.naturalHeight }))");
        var ids = images.EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.Equal(["chart-concurrency", "chart-setup", "chart-success", "chart-loss", "chart-jitter", "chart-soak"], ids);
        Assert.All(images.EnumerateArray(), i =>
        {
            Assert.Equal(LoadCharts.Width, i.GetProperty("w").GetInt32());
            Assert.Equal(LoadCharts.Height, i.GetProperty("h").GetInt32());
        });

        // The page as people see it, kept next to the test results.
        var screenshot = await page.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
        var pngPath = Path.Combine(AppContext.BaseDirectory, "load-report-screenshot.png");
        await File.WriteAllBytesAsync(pngPath, screenshot, TestContext.Current.CancellationToken);
        using (var full = SKBitmap.Decode(screenshot))
        {
            Assert.True(full.Height > LoadCharts.Height * 6, $"full-page screenshot is only {full.Width}x{full.Height}");
        }

        // Each chart, as Chromium painted it: non-blank (many non-white pixels, several colours: axes, text, data).
        foreach (var id in ids)
        {
            var element = await page.Page.QuerySelectorAsync("#" + id);
            Assert.NotNull(element);
            var png = await element.ScreenshotAsync(new ElementHandleScreenshotOptions { Type = ScreenshotType.Png });
            using var bitmap = SKBitmap.Decode(png);
            Assert.NotNull(bitmap);
            var (inked, colours) = Ink(bitmap);
            Assert.True(inked > bitmap.Width * bitmap.Height / 100, $"{id}: only {inked} non-white pixels");
            Assert.True(colours >= 3, $"{id}: {colours} colours");
        }

        // The verdict, a breached threshold and the errors table are on the page as text.
        Assert.Equal("FAILED", await page.EvaluateAsync<string>("() => document.getElementById('verdict').textContent"));
        var thresholds = await page.EvaluateAsync<string>("() => document.getElementById('thresholds').innerText");
        Assert.Contains("call_success_rate", thresholds, StringComparison.Ordinal);
        Assert.Contains("BREACHED", thresholds, StringComparison.Ordinal);
        Assert.Contains("ice-timeout", await page.EvaluateAsync<string>("() => document.getElementById('errors').innerText"), StringComparison.Ordinal);
        Assert.Contains("rss", await page.EvaluateAsync<string>("() => document.getElementById('soak').innerText"), StringComparison.Ordinal);
    }

    private static (int Inked, int Colours) Ink(SKBitmap bitmap)
    {
        var inked = 0;
        var colours = new HashSet<uint>();
        for (var y = 0; y < bitmap.Height; y += 2)
        {
            for (var x = 0; x < bitmap.Width; x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red < 235 || c.Green < 235 || c.Blue < 235)
                {
                    inked += 4;
                    colours.Add((uint)c >> 4 & 0x0F0F0F);
                }
            }
        }

        return (inked, colours.Count);
    }
}
