using System.Globalization;

namespace CallBot.Load.Planning;

/// <summary>
/// <c>--shard i/n</c>: this process is shard <see cref="Index"/> of <see cref="Count"/>. User <c>k</c> of the pool (in pool
/// order) belongs to shard <c>k mod n</c>, planned call <c>j</c> to shard <c>j mod n</c>; see <see cref="LoadPlanner"/>.
/// </summary>
public sealed record ShardSpec(int Index, int Count)
{
    public static readonly ShardSpec Whole = new(0, 1);

    public static bool TryParse(string? text, out ShardSpec shard)
    {
        shard = Whole;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0
            || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1 || index >= count)
        {
            return false;
        }

        shard = new ShardSpec(index, count);
        return true;
    }

    public static ShardSpec Parse(string text) =>
        TryParse(text, out var shard) ? shard : throw new FormatException($"'{text}' is not a shard like 0/4 (index below count)");

    public bool OwnsUser(int poolIndex) => poolIndex % Count == Index;

    public bool OwnsCall(int callIndex) => callIndex % Count == Index;

    public override string ToString() => $"{Index}/{Count}";
}
