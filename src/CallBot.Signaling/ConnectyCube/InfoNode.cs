using System.Xml;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// One element of a free-form tree such as <c>userInfo</c>: either a leaf with text, or a branch with children.
/// Order is kept, because the SDK writes object keys in insertion order.
/// </summary>
public sealed class InfoNode
{
    private static readonly IReadOnlyList<InfoNode> NoChildren = [];

    private InfoNode(string name, string? value, IReadOnlyList<InfoNode> children)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        XmlConvert.VerifyNCName(name);
        Name = name;
        Value = value;
        Children = children;
    }

    /// <summary>Element name (the object key in the SDK).</summary>
    public string Name { get; }

    /// <summary>Text of a leaf (empty string for an empty element); null for a branch.</summary>
    public string? Value { get; }

    /// <summary>Children of a branch; empty for a leaf.</summary>
    public IReadOnlyList<InfoNode> Children { get; }

    public bool IsLeaf => Value is not null;

    public static InfoNode Leaf(string name, string value) => new(name, value ?? string.Empty, NoChildren);

    public static InfoNode Branch(string name, IEnumerable<InfoNode> children) => new(name, null, [.. children]);

    public static InfoNode Branch(string name, params InfoNode[] children) => new(name, null, [.. children]);

    /// <summary>First child with that name, or null.</summary>
    public InfoNode? Find(string name)
    {
        foreach (var child in Children)
        {
            if (child.Name == name)
            {
                return child;
            }
        }
        return null;
    }

    public override string ToString() => IsLeaf ? $"{Name}={Value}" : $"{Name}{{{string.Join(", ", Children)}}}";
}
