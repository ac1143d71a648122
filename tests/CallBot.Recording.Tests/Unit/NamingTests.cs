using CallBot.Recording.Naming;

namespace CallBot.Recording.Tests.Unit;

public sealed class NamingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 34, 56, TimeSpan.Zero);

    [Theory]
    [InlineData("../../etc/x", "___.._etc_x")]
    [InlineData("/dev/sda", "_dev_sda")]
    [InlineData("..", "__")]
    [InlineData(".hidden", "_hidden")]
    [InlineData("CON", "_CON")]
    [InlineData("nul.txt", "_nul.txt")]
    [InlineData("", "_")]
    [InlineData("C:\\Windows", "C__Windows")]
    [InlineData("user-42_a.b", "user-42_a.b")]
    [InlineData("ünï\0code", "_n__code")]
    public void Remote_values_become_one_harmless_segment(string value, string expected)
    {
        Assert.Equal(expected, PathSegmentSanitizer.Sanitize(value));
    }

    [Fact]
    public void Long_values_are_capped()
    {
        Assert.Equal(PathSegmentSanitizer.MaxLength, PathSegmentSanitizer.Sanitize(new string('a', 1000)).Length);
    }

    [Fact]
    public void Default_template_expands_under_the_root()
    {
        var root = Path.Combine(Path.GetTempPath(), "rec-root");
        var builder = new RecordingPathBuilder(root);
        Assert.True(builder.TryBuild(new RecordingOptions().PathTemplate, "s1", "u1", At, ".mkv", out var path));
        Assert.Equal(Path.Combine(Path.GetFullPath(root), "2026-11-25", "s1", "u1-20261125T123456Z.mkv"), path);
    }

    [Theory]
    [InlineData("../outside/{userId}.webm")]
    [InlineData("/etc/{userId}.webm")]
    [InlineData("{date}/../../{userId}.webm")]
    public void Templates_that_leave_the_root_are_refused(string template)
    {
        var builder = new RecordingPathBuilder(Path.Combine(Path.GetTempPath(), "rec-root"));
        Assert.False(builder.TryBuild(template, "s", "u", At, ".webm", out _));
    }

    [Fact]
    public void Random_ids_never_escape_the_root()
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "rec-root"));
        var builder = new RecordingPathBuilder(root);
        var random = new Random(99);
        const string alphabet = "./\\:~$%*?<>|\0 abcXYZ09-_";
        for (var i = 0; i < 2000; i++)
        {
            var chars = new char[random.Next(0, 80)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = alphabet[random.Next(alphabet.Length)];
            }

            var id = new string(chars);
            Assert.True(builder.TryBuild("{date}/{sessionId}/{userId}-{startedAt}.webm", id, id, At, ".webm", out var path));
            Assert.StartsWith(root + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
            Assert.Equal(3, Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar).Length);
        }
    }
}
