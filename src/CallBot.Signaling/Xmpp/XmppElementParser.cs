using System.Buffers;
using System.Runtime.InteropServices;
using System.Xml;
using System.Xml.Linq;

namespace CallBot.Signaling.Xmpp;

/// <summary>
/// Turns one framed element into an <see cref="XElement"/>. Prefixes and the default namespace that the stream header
/// declared (TCP) are in scope, as they are for the server. No DTD, no resolver; never throws on bad bytes.
/// </summary>
internal static class XmppElementParser
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = false,
        IgnoreProcessingInstructions = false,
        CloseInput = true,
        ConformanceLevel = ConformanceLevel.Document,
    };

    public static bool TryParse(ReadOnlySequence<byte> bytes, out XElement? element, out string? error)
    {
        Stream stream;
        if (bytes.IsSingleSegment && MemoryMarshal.TryGetArray(bytes.First, out ArraySegment<byte> segment))
        {
            stream = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
        }
        else
        {
            stream = new MemoryStream(bytes.ToArray(), writable: false);
        }
        return TryParse(stream, out element, out error);
    }

    public static bool TryParse(ReadOnlyMemory<byte> bytes, out XElement? element, out string? error) =>
        TryParse(new ReadOnlySequence<byte>(bytes), out element, out error);

    private static bool TryParse(Stream stream, out XElement? element, out string? error)
    {
        var names = new XmlNamespaceManager(new NameTable());
        names.AddNamespace(string.Empty, XmppNamespaces.Client.NamespaceName);
        names.AddNamespace("stream", XmppNamespaces.Streams.NamespaceName);
        var context = new XmlParserContext(null, names, null, XmlSpace.None);
        try
        {
            using var reader = XmlReader.Create(stream, Settings, context);
            element = XElement.Load(reader, LoadOptions.None);
            if (element.DescendantNodesAndSelf().Any(n => n is XComment or XProcessingInstruction))
            {
                element = null;
                error = "comments and processing instructions are not allowed (RFC 6120 §11.1)";
                return false;
            }
            error = null;
            return true;
        }
        catch (XmlException ex)
        {
            return Rejected(ex, out element, out error);
        }
    }

    /// <summary>Parses the stream header start tag by closing it, to read its attributes (id, from, version).</summary>
    public static bool TryParseStreamHeader(ReadOnlySequence<byte> header, out XElement? element, out string? error)
    {
        byte[] closed = new byte[header.Length + StreamEnd.Length];
        header.CopyTo(closed);
        StreamEnd.CopyTo(closed.AsSpan((int)header.Length));
        try
        {
            element = XElement.Parse(System.Text.Encoding.UTF8.GetString(closed));
            error = null;
            return true;
        }
        catch (XmlException ex)
        {
            return Rejected(ex, out element, out error);
        }
    }

    private static bool Rejected(XmlException ex, out XElement? element, out string? error)
    {
        element = null;
        error = ex.Message;
        return false;
    }

    private static ReadOnlySpan<byte> StreamEnd => "</stream:stream>"u8;
}
