using System.Diagnostics;
using System.Text.RegularExpressions;
using CallBot.Worker.Options;

namespace CallBot.Worker.Tests;

/// <summary>
/// README documents every configuration key with its default; docs/architecture.md names only files that exist, and its
/// "where to change what" recipes name them in the folders they say; no type in src/ is over 500 lines;
/// docker-compose.yml is valid.
/// </summary>
public sealed partial class RepositoryFilesTests
{
    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CallBot.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("CallBot.sln not found above the test directory.");
        }
    }

    [Fact]
    public void Readme_lists_every_config_key_with_its_default()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot, "README.md"));
        var missing = new List<string>();
        foreach (var key in ConfigReference.Keys())
        {
            var row = Array.Find(lines, l => l.StartsWith($"| `{key.Key}` |", StringComparison.Ordinal));
            if (row is null || !row.Contains($"| `{key.Default}` |", StringComparison.Ordinal))
            {
                missing.Add($"| `{key.Key}` | {key.Type} | `{key.Default}` |");
            }
        }

        Assert.True(missing.Count == 0, "README.md lacks (or has another default for) these rows:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Config_reference_walks_nested_lists_and_reads_defaults()
    {
        var keys = ConfigReference.Keys();

        Assert.Contains(keys, k => k.Key == "CallBot:VideoChat:IceServers:N:Urls:N");
        Assert.Contains(keys, k => k.Key == "CallBot:Bots:N:UserId");
        Assert.Contains(keys, k => k.Key == "CallBot:VideoChat:AnswerTimeInterval" && k.Default == "60");
        Assert.Contains(keys, k => k.Key == "CallBot:Telemetry:ShutdownTimeout" && k.Default == "00:00:15");
    }

    /// <summary>
    /// Every path the architecture document names in backticks exists: <c>src/…</c> and <c>tests/…</c> from the
    /// repository root, <c>Worker/…</c>-style paths inside <c>src/CallBot.&lt;Project&gt;</c>, and a bare file or folder
    /// name (<c>CallSignalCodec.cs</c>, <c>Sdp/</c>: written after a path of its parent) somewhere under <c>src/</c>;
    /// <c>*</c> is a wildcard.
    /// </summary>
    [Fact]
    public void Architecture_document_names_only_files_that_exist()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot, "docs", "architecture.md"));
        var sourceFiles = Directory.EnumerateFileSystemEntries(Path.Combine(RepoRoot, "src"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoRoot, f).Replace('\\', '/'))
            .ToList();
        var named = PathInBackticks().Matches(doc).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        var missing = named.Where(path => !Exists(path, sourceFiles)).ToList();

        Assert.True(named.Count > 40, $"only {named.Count} paths found: has the document's format changed?");
        Assert.True(missing.Count == 0, "docs/architecture.md names files that do not exist:\n" + string.Join('\n', missing));
    }

    /// <summary>
    /// Issue 20, must-show 4: each recipe under "Where to change what" names the files it touches, and they are where it
    /// says. A path (<c>src/…</c>, <c>tests/…</c>, <c>docs/…</c>, or <c>Worker/Rtc/…</c> inside <c>src/CallBot.Worker</c>)
    /// exists as written; a bare name (<c>CallSignalCodec.cs</c>, <c>Sdp/</c>) exists in a folder the same recipe named
    /// before it — the folder of a named file or a named folder — not merely somewhere in <c>src/</c>; a pattern for a
    /// new file (<c>&lt;Name&gt;Interceptor.cs</c>) needs its folder to exist. Stricter than
    /// <see cref="Architecture_document_names_only_files_that_exist"/>, which checks the whole document loosely.
    /// </summary>
    [Fact]
    public void Where_to_change_what_recipes_name_files_in_the_folders_they_name()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot, "docs", "architecture.md")).ReplaceLineEndings("\n");
        var start = doc.IndexOf("\n## Where to change what\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/architecture.md has no \"## Where to change what\" section");
        var end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var recipes = doc[start..(end < 0 ? doc.Length : end)].Split("\n### ")[1..];

        var problems = new List<string>();
        var checkedPaths = 0;
        foreach (var recipe in recipes)
        {
            var title = recipe[..recipe.IndexOf('\n', StringComparison.Ordinal)];
            var folders = new List<string>();
            var named = PathInBackticks().Matches(recipe).Select(m => m.Groups[1].Value).ToList();
            if (named.Count == 0)
            {
                problems.Add($"{title}: names no file");
            }

            foreach (var path in named)
            {
                checkedPaths++;
                var trimmed = path.TrimEnd('/');
                var found = trimmed.Contains('/', StringComparison.Ordinal)
                    ? RecipePathCandidates(trimmed).Concat(folders.Select(f => $"{f}/{trimmed}")).FirstOrDefault(ExistsInRepo)
                    : folders.Select(f => $"{f}/{trimmed}").FirstOrDefault(ExistsInRepo);
                if (trimmed.Contains('<', StringComparison.Ordinal))
                {
                    // A file still to be written: its folder must be real (a bare pattern takes the recipe's last folder).
                    var folder = trimmed.Contains('/', StringComparison.Ordinal)
                        ? RecipePathCandidates(trimmed[..trimmed.LastIndexOf('/')]).FirstOrDefault(ExistsInRepo)
                        : folders.LastOrDefault();
                    if (folder is null)
                    {
                        problems.Add($"{title}: the folder of `{path}` does not exist");
                    }

                    continue;
                }

                if (found is null)
                {
                    problems.Add(trimmed.Contains('/', StringComparison.Ordinal)
                        ? $"{title}: `{path}` does not exist"
                        : $"{title}: `{path}` is in none of the folders the recipe named before it ({string.Join(", ", folders.Distinct())})");
                    continue;
                }

                folders.Add(Directory.Exists(Path.Combine(RepoRoot, found)) ? found : found[..found.LastIndexOf('/')]);
            }
        }

        Assert.True(recipes.Length >= 8 && checkedPaths > 60, $"{recipes.Length} recipes, {checkedPaths} paths: has the section's format changed?");
        Assert.True(problems.Count == 0, "docs/architecture.md § Where to change what:\n" + string.Join('\n', problems));
    }

    private static IEnumerable<string> RecipePathCandidates(string path) =>
        path.StartsWith("src/", StringComparison.Ordinal) || path.StartsWith("tests/", StringComparison.Ordinal) || path.StartsWith("docs/", StringComparison.Ordinal)
            ? [path]
            : [$"src/CallBot.{path}", $"src/{path}", path];

    private static bool ExistsInRepo(string relative) =>
        File.Exists(Path.Combine(RepoRoot, relative)) || Directory.Exists(Path.Combine(RepoRoot, relative));

    private static bool Exists(string path, List<string> sourceFiles)
    {
        var trimmed = path.TrimEnd('/');
        if (File.Exists(Path.Combine(RepoRoot, trimmed)) || Directory.Exists(Path.Combine(RepoRoot, trimmed)))
        {
            return true;
        }

        var candidates = trimmed.StartsWith("src/", StringComparison.Ordinal) || trimmed.StartsWith("tests/", StringComparison.Ordinal) || trimmed.StartsWith("docs/", StringComparison.Ordinal)
            ? [trimmed]
            : new[] { "src/CallBot." + trimmed, "src/" + trimmed };
        foreach (var candidate in candidates)
        {
            if (!trimmed.Contains('/', StringComparison.Ordinal))
            {
                var name = Wildcard(trimmed);
                return sourceFiles.Exists(f => name.IsMatch(f[(f.LastIndexOf('/') + 1)..]));
            }

            if (candidate.Contains('<', StringComparison.Ordinal))
            {
                return true; // a pattern for a new file (`<Name>Interceptor.cs`): its folder is checked as its own entry
            }

            var full = Path.Combine(RepoRoot, candidate);
            if (File.Exists(full) || Directory.Exists(full))
            {
                return true;
            }

            if (candidate.Contains('*', StringComparison.Ordinal))
            {
                var pattern = Wildcard(candidate);
                if (sourceFiles.Exists(f => pattern.IsMatch(f)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static Regex Wildcard(string glob) => new("^" + Regex.Escape(glob).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);

    /// <summary>A backticked token that is a path: folders and a file with a source or document extension, or a folder ending in '/'.</summary>
    [GeneratedRegex(@"`((?:[A-Za-z0-9_.*<>-]+/)*[A-Za-z0-9_.*<>-]+(?:\.(?:cs|md|props|csproj|sh|json)|/))`", RegexOptions.CultureInvariant)]
    private static partial Regex PathInBackticks();

    /// <summary>
    /// No type in <c>src/</c> is over 500 lines, all its partial files counted together (issue 20): a class that grows past
    /// it is split into collaborators with one job each (docs/architecture.md § Large types). A file counts for the type it
    /// is named after (<c>RtcPeerConnection.Media.cs</c> → <c>RtcPeerConnection</c>) and for every partial type it
    /// declares at top level, within its project; nested types count with their file.
    /// </summary>
    [Fact]
    public void No_type_in_src_is_over_500_lines()
    {
        const int Limit = 500;
        var src = Path.Combine(RepoRoot, "src");
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(src, file).Replace('\\', '/');
            if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
            {
                continue;
            }

            var project = relative[..relative.IndexOf('/', StringComparison.Ordinal)];
            var fileName = Path.GetFileName(file);
            var text = File.ReadAllLines(file);
            var types = new HashSet<string>(StringComparer.Ordinal) { fileName[..fileName.IndexOf('.', StringComparison.Ordinal)] };
            foreach (var line in text)
            {
                if (PartialTypeDeclaration().Match(line) is { Success: true } declared)
                {
                    types.Add(declared.Groups[1].Value);
                }
            }

            foreach (var type in types)
            {
                lines[$"{project}: {type}"] = lines.GetValueOrDefault($"{project}: {type}") + text.Length;
            }
        }

        var tooLarge = lines.Where(t => t.Value > Limit).OrderByDescending(t => t.Value).Select(t => $"{t.Key} ({t.Value} lines)").ToList();

        Assert.True(lines.Count > 300, $"only {lines.Count} types found: has the layout of src/ changed?");
        Assert.True(tooLarge.Count == 0, $"types over {Limit} lines (all partials together); split them into collaborators:\n" + string.Join('\n', tooLarge));
    }

    /// <summary>A top-level partial type (file-scoped namespaces: at column 0; nested types such as a private <c>Log</c> are not).</summary>
    [GeneratedRegex(@"^(?:[a-z]+\s+)*partial\s+(?:class|struct|interface|record(?:\s+class|\s+struct)?)\s+([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex PartialTypeDeclaration();

    [Fact]
    public async Task Docker_compose_config_is_valid()
    {
        var start = new ProcessStartInfo("docker-compose") { WorkingDirectory = RepoRoot, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("config");
        start.ArgumentList.Add("-q");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, await stderr);
    }
}
