using System.Xml.Linq;

namespace CallBot.Signaling.Xmpp;

/// <summary>How stanzas are written to the wire: compact, one namespace declaration each.</summary>
internal static class XmppStanzaText
{
    private static readonly SaveOptions Compact = SaveOptions.DisableFormatting | SaveOptions.OmitDuplicateNamespaces;

    public static string Serialize(XElement element) => element.ToString(Compact);

    /// <summary>Stanzas from the app may carry no namespace; on the wire they are jabber:client (RFC 6120 §4.8.3).</summary>
    public static string SerializeFromApp(XElement message)
    {
        var copy = new XElement(message);
        foreach (var element in copy.DescendantsAndSelf())
        {
            if (element.Name.Namespace == XNamespace.None)
            {
                element.Name = XmppNamespaces.Client + element.Name.LocalName;
            }
        }
        return Serialize(copy);
    }
}
