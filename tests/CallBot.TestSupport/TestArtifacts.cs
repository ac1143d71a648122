namespace CallBot.TestSupport;

/// <summary>
/// Where tests keep files for people to look at after a run (screenshots): <c>$CALLBOT_TEST_ARTIFACTS</c>, which
/// scripts/test.sh sets to artifacts/test-results (next to the TRX files), else <c>test-artifacts</c> beside the test
/// assembly.
/// </summary>
public static class TestArtifacts
{
    public const string Variable = "CALLBOT_TEST_ARTIFACTS";

    public static string Directory()
    {
        var path = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } set ? set : Path.Combine(AppContext.BaseDirectory, "test-artifacts");
        return System.IO.Directory.CreateDirectory(path).FullName;
    }
}

/// <summary>The repository the tests run from (the folder holding CallBot.sln above the test assembly).</summary>
public static class RepoFiles
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CallBot.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root (CallBot.sln) not found above " + AppContext.BaseDirectory);
        }
    }
}

/// <summary>A fresh folder under the temp directory, deleted (best effort) on dispose.</summary>
public sealed class TempFolder(string prefix = "callbot-test-") : IDisposable
{
    public string Path { get; } = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
