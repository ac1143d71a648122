using System.Xml.Linq;

namespace CallBot.Signaling.Xmpp;

/// <summary>The XML namespaces of RFC 6120, RFC 7395 and the XEPs this client speaks.</summary>
internal static class XmppNamespaces
{
    public static readonly XNamespace Client = "jabber:client";
    public static readonly XNamespace Streams = "http://etherx.jabber.org/streams";
    public static readonly XNamespace Framing = "urn:ietf:params:xml:ns:xmpp-framing";
    public static readonly XNamespace Tls = "urn:ietf:params:xml:ns:xmpp-tls";
    public static readonly XNamespace Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    public static readonly XNamespace Bind = "urn:ietf:params:xml:ns:xmpp-bind";
    public static readonly XNamespace Session = "urn:ietf:params:xml:ns:xmpp-session";
    public static readonly XNamespace StreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
    public static readonly XNamespace Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public static readonly XNamespace Ping = "urn:xmpp:ping";
    public static readonly XNamespace StreamManagement = "urn:xmpp:sm:3";

    /// <summary>
    /// Ours, never on the wire: a transport hands the session <c>&lt;refused name=".." reason=".."/&gt;</c> in this
    /// namespace in place of an element it refused but could skip without losing the stream (a WebSocket message).
    /// </summary>
    public static readonly XNamespace Refused = "urn:callbot:refused";
}
