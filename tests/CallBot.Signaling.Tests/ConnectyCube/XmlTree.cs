using System.Xml.Linq;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>Element-for-element comparison of two stanzas: names with namespaces, attributes, child order, leaf text.</summary>
internal static class XmlTree
{
    public static void AssertEquivalent(XElement expected, XElement actual, params string[] ignoredAttributes)
    {
        var problem = Compare(expected, actual, ignoredAttributes, "/" + expected.Name.LocalName);
        Assert.True(problem is null, $"{problem}\nexpected: {expected.ToString(SaveOptions.DisableFormatting)}\nactual:   {actual.ToString(SaveOptions.DisableFormatting)}");
    }

    private static string? Compare(XElement e, XElement a, string[] ignored, string path)
    {
        if (e.Name != a.Name)
        {
            return $"{path}: element {a.Name} where {e.Name} was expected";
        }
        var ea = Attributes(e, ignored);
        var aa = Attributes(a, ignored);
        if (!ea.SequenceEqual(aa))
        {
            return $"{path}: attributes [{string.Join(' ', aa)}] where [{string.Join(' ', ea)}] were expected";
        }
        var ec = e.Elements().ToList();
        var ac = a.Elements().ToList();
        if (ec.Count == 0 && ac.Count == 0)
        {
            return e.Value == a.Value ? null : $"{path}: text '{a.Value}' where '{e.Value}' was expected";
        }
        if (ec.Count != ac.Count)
        {
            return $"{path}: {ac.Count} children ({string.Join(',', ac.Select(x => x.Name.LocalName))}) where {ec.Count} ({string.Join(',', ec.Select(x => x.Name.LocalName))}) were expected";
        }
        for (var i = 0; i < ec.Count; i++)
        {
            var problem = Compare(ec[i], ac[i], ignored, $"{path}/{ec[i].Name.LocalName}[{i}]");
            if (problem is not null)
            {
                return problem;
            }
        }
        return null;
    }

    private static List<string> Attributes(XElement element, string[] ignored) =>
        [.. element.Attributes()
            .Where(x => !x.IsNamespaceDeclaration && !ignored.Contains(x.Name.LocalName))
            .Select(x => $"{x.Name}={x.Value}")
            .Order(StringComparer.Ordinal)];
}
