using System.Text;
using CallBot.Load.Scenario;

namespace CallBot.Worker.Cloud;

/// <summary>
/// The users file the load scenarios read (<c>users.file</c>, <c>docs/load/README.md</c>): one <c>id,login,password</c> per
/// line, blank lines and <c>#</c> comments ignored (<see cref="UsersFileFormat"/>). Written 0600 (it holds passwords), one line per user as soon as the
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
    public void Add(LoadUser user)
    {
        lock (_gate)
        {
            _writer.WriteLine(UsersFileFormat.Format(user));
            _writer.Flush();
        }
    }

    public void Dispose() => _writer.Dispose();
}
