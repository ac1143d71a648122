using Microsoft.Playwright;
using Xunit;

namespace CallBot.TestSupport.Chromium;

/// <summary>
/// Headless Debian Chromium driven by Playwright for .NET, for interop tests. Never downloads a browser: it launches
/// <see cref="ExecutablePath"/> with <see cref="Flags"/> and a fresh user-data-dir under a temp folder, and serves test
/// pages from a <see cref="StaticHttpServer"/> on 127.0.0.1. Use it as an xunit class or collection fixture; run tests
/// that use it inside a network namespace that has only <c>lo</c> (scripts/test.sh does).
/// </summary>
/// <remarks>
/// Playwright's .NET package ships its driver (node + cli.js) under <c>.playwright/</c>; the package's build targets copy
/// it next to the test assembly, and <c>Playwright.CreateAsync()</c> starts it from there over stdio, so nothing needs the
/// network. Playwright adds its own automation switches (e.g. --remote-debugging-pipe) to the ones listed here.
/// </remarks>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Launch timeout: a cold Chromium start on a busy 2-core machine takes a few seconds.</summary>
    public static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(60);

    private const string FakeCameraFlag = "--use-fake-device-for-media-stream";

    public static readonly IReadOnlyList<string> Flags =
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        FakeCameraFlag,
        "--use-fake-ui-for-media-stream",
        "--allow-loopback-in-peer-connection",
        "--ignore-certificate-errors",
    ];

    /// <summary>Frame rates Chromium's fake camera accepts (media/capture/video/fake_video_capture_device_factory.cc).</summary>
    public const int MinFakeCameraFps = 5;

    public const int MaxFakeCameraFps = 60;

    private readonly int? _fakeCameraFps;
    private IPlaywright? _playwright;
    private IBrowserContext? _context;

    public ChromiumFixture()
        : this(fakeCameraFps: null)
    {
    }

    // Private: xunit takes a class fixture only with a single public constructor.
    private ChromiumFixture(int? fakeCameraFps)
    {
        if (fakeCameraFps is { } fps)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(fps, MinFakeCameraFps, nameof(fakeCameraFps));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(fps, MaxFakeCameraFps, nameof(fakeCameraFps));
        }

        _fakeCameraFps = fakeCameraFps;
        Server = new StaticHttpServer();
        UserDataDir = Path.Combine(Path.GetTempPath(), "callbot-chromium-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary>Serves test pages: add strings with <see cref="StaticHttpServer.Add"/> or set <see cref="StaticHttpServer.RootFolder"/>.</summary>
    public StaticHttpServer Server { get; }

    public string UserDataDir { get; }

    public IBrowserContext Context => _context ?? throw new InvalidOperationException("ChromiumFixture is not started.");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: run scripts/setup.sh (apt package chromium).");
        }

        Directory.CreateDirectory(UserDataDir);
        _playwright = await Playwright.CreateAsync();
        _context = await _playwright.Chromium.LaunchPersistentContextAsync(UserDataDir, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            ChromiumSandbox = false,
            Args = [.. LaunchFlags()],
            Timeout = (float)LaunchTimeout.TotalMilliseconds,
        });
    }

    /// <summary>
    /// A fixture whose fake camera runs at <paramref name="fakeCameraFps"/>; null = Chromium's default of 20.
    /// getUserMedia constraints cannot raise a device's rate, so a page that asks for 30 fps gets 20 unless the device
    /// itself runs at 30.
    /// </summary>
    public static ChromiumFixture WithFakeCamera(int? fakeCameraFps) => new(fakeCameraFps);

    /// <summary><see cref="Flags"/>, with the fake camera's frame rate when one was given.</summary>
    public IReadOnlyList<string> LaunchFlags() => _fakeCameraFps is { } fps
        ? [.. Flags.Select(f => f == FakeCameraFlag ? $"{FakeCameraFlag}=fps={fps.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : f)]
        : Flags;

    /// <summary>Opens a new tab on <paramref name="path"/> of the fixture's server (default: an empty page).</summary>
    public async Task<ChromiumPage> NewPageAsync(string path = "/blank.html")
    {
        var page = await Context.NewPageAsync();
        var wrapper = new ChromiumPage(page);
        await page.GotoAsync(Server.UriOf(path).ToString());
        return wrapper;
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
            await _context.DisposeAsync();
        }

        _playwright?.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(UserDataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
