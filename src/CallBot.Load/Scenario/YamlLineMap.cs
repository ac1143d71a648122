using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CallBot.Load.Scenario;

/// <summary>Maps YAML paths (<c>load.stages[1].target</c>) to the line where their node starts, for error messages.</summary>
internal sealed class YamlLineMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public static YamlLineMap Build(YamlNode? root)
    {
        var map = new YamlLineMap();
        if (root is not null)
        {
            map.Walk(root, "");
        }

        return map;
    }

    /// <summary>The line of <paramref name="path"/>, else of its nearest ancestor present in the file, else 0.</summary>
    public int LineOf(string path)
    {
        var p = path;
        while (true)
        {
            if (_lines.TryGetValue(p, out var line))
            {
                return line;
            }

            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            if (cut <= 0)
            {
                return _lines.TryGetValue("", out var rootLine) ? rootLine : 0;
            }

            p = p[..cut];
        }
    }

    /// <summary>The deepest path whose node starts at <paramref name="mark"/>'s line (for YamlDotNet exceptions).</summary>
    public string PathAt(Mark mark)
    {
        var best = "";
        foreach (var (path, line) in _lines)
        {
            if (line == mark.Line && path.Length > best.Length)
            {
                best = path;
            }
        }

        return best.Length == 0 ? "(root)" : best;
    }

    private void Walk(YamlNode node, string path)
    {
        _lines.TryAdd(path, (int)node.Start.Line);
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode scalar ? scalar.Value ?? "" : "?";
                    var child = path.Length == 0 ? name : path + "." + name;
                    _lines.TryAdd(child, (int)key.Start.Line);
                    Walk(value, child);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Walk(sequence.Children[i], $"{path}[{i}]");
                }

                break;
        }
    }
}
