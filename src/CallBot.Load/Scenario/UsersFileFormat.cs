using System.Globalization;

namespace CallBot.Load.Scenario;

/// <summary>
/// The users file (<c>users.file</c>): one <c>id,login,password</c> per line; blank lines and <c>#</c> comments are skipped.
/// Read by scenarios and by <c>callbot users delete</c>, written by <c>callbot users create</c>.
/// </summary>
public static class UsersFileFormat
{
    /// <summary>The users of <paramref name="path"/>; each bad line is reported to <paramref name="error"/> by number, never by content (it holds a password).</summary>
    public static List<LoadUser> Read(string path, Action<string> error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var users = new List<LoadUser>();
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
            if (parts.Length != 3 || !long.TryParse(parts[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) || parts[2].Trim().Length == 0)
            {
                error($"{Path.GetFileName(path)} line {lineNo}: expected 'id,login,password'");
                continue;
            }

            users.Add(new LoadUser(id, parts[1].Trim(), parts[2].Trim(), null));
        }

        return users;
    }

    /// <summary>One line of the file.</summary>
    public static string Format(LoadUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return string.Create(CultureInfo.InvariantCulture, $"{user.Id},{user.Login},{user.Password}");
    }
}
