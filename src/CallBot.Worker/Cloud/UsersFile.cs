using System.Globalization;
using System.Text;

namespace CallBot.Worker.Cloud;

/// <summary>One line of a users file: the ConnectyCube user id, its login and its password.</summary>
public sealed record PoolUser(long Id, string Login, string Password)
{
    public override string ToString() => $"{Login} ({Id})"; // never the password
}

/// <summary>
/// The users file the load scenarios read (<c>users.file</c>, <c>docs/load/README.md</c>): one <c>id,login,password</c> per
/// line, blank lines and <c>#</c> comments ignored. Written 0600 (it holds passwords), one line per user as soon as the
/// user exists, so a run cut short still lists every user it created.
/// </summary>
public sealed class UsersFile : IDisposable
{
    public const string Header = "# id,login,password (callbot users create; delete with: callbot users delete --file FILE)";

    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    private UsersFile(StreamWriter writer) => _writer = writer;

    /// <summary>Creates <paramref name="path"/> (never overwrites one) readable by its owner only, and writes the header.</summary>
    public static UsersFile Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var writer = new StreamWriter(new FileStream(path, options), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        writer.WriteLine(Header);
        writer.Flush();
        return new UsersFile(writer);
    }

    /// <summary>Appends one user and flushes, so the line is on disk before the next user is created.</summary>
    public void Add(PoolUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_gate)
        {
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{user.Id},{user.Login},{user.Password}"));
            _writer.Flush();
        }
    }

    /// <summary>Reads a users file; <paramref name="errors"/> names each bad line (file and line number, never its content).</summary>
    public static List<PoolUser> Read(string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var users = new List<PoolUser>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var t = line.Trim();
            if (t.Length == 0 || t[0] == '#')
            {
                continue;
            }

            var parts = t.Split(',');
            if (parts.Length != 3 || !long.TryParse(parts[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) || id <= 0
                || parts[1].Trim().Length == 0 || parts[2].Trim().Length == 0)
            {
                errors.Add($"{Path.GetFileName(path)} line {lineNo}: expected 'id,login,password'");
                continue;
            }

            users.Add(new PoolUser(id, parts[1].Trim(), parts[2].Trim()));
        }

        return users;
    }

    public void Dispose() => _writer.Dispose();
}
