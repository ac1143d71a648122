using System.Globalization;
using System.Text;
using CallBot.Load.Planning;

namespace CallBot.Worker.Load;

/// <summary>
/// <c>--shard auto/N</c> for replicas that have no index of their own (docker compose <c>--scale load=N</c>): each
/// claims the lowest free index by creating <c>OUT/claims/shard-K</c> with <see cref="FileMode.CreateNew"/> (O_CREAT|O_EXCL,
/// atomic on a local or NFSv3+ volume shared by the replicas), writes its report to <c>OUT/shard-K/</c>, and
/// <c>report merge OUT --shards N</c> waits for the N reports. The claim holds the claimant's identity (host name and
/// process id: a restarted container keeps both and takes its own claim back instead of a new index).
/// </summary>
public static class ShardClaims
{
    public const string AutoPrefix = "auto/";
    public const string ClaimsFolder = "claims";
    public const string ShardFolderPrefix = "shard-";

    /// <summary>Who is claiming: the container (or host) name and process id.</summary>
    public static string DefaultClaimant => string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");

    /// <summary><c>auto/N</c> with N ≥ 1.</summary>
    public static bool TryParseAuto(string? text, out int count)
    {
        count = 0;
        return text is not null
            && text.StartsWith(AutoPrefix, StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(AutoPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out count)
            && count >= 1;
    }

    /// <summary>The folder shard <paramref name="index"/> writes its report to.</summary>
    public static string ShardDirectory(string outputDirectory, int index) =>
        Path.Combine(outputDirectory, ShardFolderPrefix + index.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Claims an index in <c><paramref name="outputDirectory"/>/claims</c>: the one this claimant already holds, else the
    /// lowest free one. False when all <paramref name="count"/> are held by others (a finished run's folder reused).
    /// </summary>
    public static bool TryClaim(string outputDirectory, int count, string claimant, out ShardSpec shard)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimant);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var claims = Path.Combine(outputDirectory, ClaimsFolder);
        Directory.CreateDirectory(claims);
        for (var k = 0; k < count; k++)
        {
            if (string.Equals(Holder(ClaimPath(claims, k)), claimant, StringComparison.Ordinal))
            {
                shard = new ShardSpec(k, count);
                return true;
            }
        }

        var identity = Encoding.UTF8.GetBytes(claimant);
        for (var k = 0; k < count; k++)
        {
            try
            {
                using var file = new FileStream(ClaimPath(claims, k), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
                file.Write(identity);
                shard = new ShardSpec(k, count);
                return true;
            }
            catch (IOException) when (File.Exists(ClaimPath(claims, k)))
            {
                // Someone else holds K: try the next one.
            }
        }

        shard = ShardSpec.Whole;
        return false;
    }

    private static string ClaimPath(string claims, int index) =>
        Path.Combine(claims, ShardFolderPrefix + index.ToString(CultureInfo.InvariantCulture));

    private static string? Holder(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
