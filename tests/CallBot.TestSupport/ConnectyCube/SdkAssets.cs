namespace CallBot.TestSupport.ConnectyCube;

/// <summary>
/// Finds the pinned SDK (tests/sdk/node_modules/connectycube, installed by scripts/setup.sh) and the harness page
/// (tests/sdk/browser) by walking up from the test assembly's folder; <c>CALLBOT_SDK_DIR</c> overrides the tests/sdk folder.
/// </summary>
public static class SdkAssets
{
    public const string EnvironmentVariable = "CALLBOT_SDK_DIR";

    /// <summary>The browser bundle (package.json "browser" field): a UMD build that sets <c>window.ConnectyCube</c>.</summary>
    public const string BundleRelativePath = "node_modules/connectycube/dist/connectycube.min.js";
    public const string HarnessScriptRelativePath = "browser/callbot-sdk-harness.js";
    public const string HarnessPageRelativePath = "browser/callbot-sdk-harness.html";

    private static readonly Lazy<string> SdkFolder = new(FindSdkFolder);

    /// <summary>The tests/sdk folder.</summary>
    public static string Folder => SdkFolder.Value;

    public static string BundlePath => Path.Combine(Folder, BundleRelativePath);
    public static string HarnessScriptPath => Path.Combine(Folder, HarnessScriptRelativePath);
    public static string HarnessPagePath => Path.Combine(Folder, HarnessPageRelativePath);

    /// <summary>The installed SDK version from its package.json (to report which SDK a test ran against).</summary>
    public static string SdkVersion
    {
        get
        {
            var json = File.ReadAllText(Path.Combine(Folder, "node_modules/connectycube/package.json"));
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return doc.RootElement.GetProperty("version").GetString() ?? "?";
        }
    }

    private static string FindSdkFolder()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Check(Path.GetFullPath(fromEnvironment));
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "sdk");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return Check(candidate);
            }
        }

        throw new InvalidOperationException($"tests/sdk not found above {AppContext.BaseDirectory}; set {EnvironmentVariable}.");
    }

    private static string Check(string folder)
    {
        if (!File.Exists(Path.Combine(folder, BundleRelativePath)))
        {
            throw new InvalidOperationException($"{Path.Combine(folder, BundleRelativePath)} is missing: run scripts/setup.sh (npm install in tests/sdk).");
        }

        return folder;
    }
}
