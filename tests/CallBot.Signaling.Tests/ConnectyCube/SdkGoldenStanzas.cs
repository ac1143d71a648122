using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>One stanza the real npm SDK produced, with the SDK's own parse of it.</summary>
public sealed record SdkStanza(string Name, string From, string To, string Xml, JsonElement Parsed)
{
    /// <summary>The stanza as it arrives inside a <c>jabber:client</c> stream, with the <c>from</c> the server adds.</summary>
    public XElement ToReceived()
    {
        var element = Parse();
        element.SetAttributeValue("from", From);
        return element;
    }

    /// <summary>The stanza as the SDK sent it, in the stream's default namespace.</summary>
    public XElement Parse() =>
        XElement.Parse($"<stream xmlns=\"jabber:client\">{Xml}</stream>").Elements().Single();

    public override string ToString() => Name;
}

/// <summary>
/// Runs tests/sdk/golden-signals.cjs once (the REAL connectycube npm SDK, installed by scripts/setup.sh)
/// and keeps its stanzas for the golden tests.
/// </summary>
public sealed class SdkGoldenStanzas
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(60);

    public SdkGoldenStanzas()
    {
        var sdkDir = Path.Combine(FindRepoRoot(), "tests", "sdk");
        var sdkPackage = Path.Combine(sdkDir, "node_modules", "connectycube", "package.json");
        if (!File.Exists(sdkPackage))
        {
            throw new InvalidOperationException($"The ConnectyCube SDK is not installed at {sdkDir}; run scripts/setup.sh (npm install there).");
        }
        SdkVersion = JsonDocument.Parse(File.ReadAllText(sdkPackage)).RootElement.GetProperty("version").GetString()!;

        var psi = new ProcessStartInfo("node", "golden-signals.cjs")
        {
            WorkingDirectory = sdkDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(NodeTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("golden-signals.cjs did not finish in time");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"golden-signals.cjs failed ({process.ExitCode}): {Tail(stderr.Result)}");
        }
        using var doc = JsonDocument.Parse(stdout.Result);
        Stanzas = [.. doc.RootElement.EnumerateArray().Select(e => new SdkStanza(
            e.GetProperty("name").GetString()!,
            e.GetProperty("from").GetString()!,
            e.GetProperty("to").GetString()!,
            e.GetProperty("xml").GetString()!,
            e.GetProperty("parsed").Clone()))];
    }

    public string SdkVersion { get; }

    public IReadOnlyList<SdkStanza> Stanzas { get; }

    public SdkStanza Get(string name) => Stanzas.Single(s => s.Name == name);

    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CallBot.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("CallBot.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
