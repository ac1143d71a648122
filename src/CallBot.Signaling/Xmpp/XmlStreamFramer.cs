using System.Buffers;

namespace CallBot.Signaling.Xmpp;

internal enum XmlFrameKind
{
    /// <summary><c>&lt;stream:stream ...&gt;</c>: the root start tag (RFC 6120 §4.7).</summary>
    StreamHeader,
    /// <summary>A complete first-level child of the stream: a stanza, features, SASL or TLS element.</summary>
    Element,
    /// <summary><c>&lt;/stream:stream&gt;</c>.</summary>
    StreamEnd,
}

internal enum XmlFramingError
{
    None,
    /// <summary>One frame grew past the configured cap before it closed.</summary>
    TooLarge,
    /// <summary>Bytes that cannot be XML at this point (a stray '&lt;', text at stream level, an end tag with nothing open...).</summary>
    Malformed,
    /// <summary>RFC 6120 §11.1: comments, DTDs and processing instructions (other than the XML declaration) are not allowed.</summary>
    Restricted,
    /// <summary>Nesting deeper than <see cref="XmlStreamFramer.MaxDepth"/>.</summary>
    TooDeep,
}

/// <summary>
/// Cuts an XMPP TCP byte stream into frames without parsing it: the stream header, each first-level element, and
/// the stream end. Incremental (a call resumes where the last one stopped) and bounded (a frame over the cap is an
/// error, not a bigger buffer). Never throws on bad bytes.
/// <code>
///   &lt;?xml version='1.0'?&gt;              skipped (XML declaration)
///   &lt;stream:stream ... &gt;               StreamHeader      depth 0 → 1
///     ␠\n                                skipped (whitespace keepalive)
///     &lt;message ...&gt;...&lt;/message&gt;   Element           depth 1 → 2 → 1
///     &lt;presence/&gt;                     Element           depth 1
///   &lt;/stream:stream&gt;                  StreamEnd         depth 1 → 0
/// </code>
/// Works on bytes: UTF-8 continuation bytes are all ≥ 0x80, so no ASCII delimiter can hide inside one.
/// With <c>elementsOnly</c> (WebSocket, RFC 7395: one element per message, no stream header) it starts inside the
/// stream, so the same limits (depth, size, no comments/DTD/PIs) apply to every transport.
/// </summary>
internal sealed class XmlStreamFramer(int maxFrameBytes, bool elementsOnly = false)
{
    public const int MaxDepth = 64;

    private enum Lex : byte
    {
        Text,
        LessThan,
        StartTag,
        AttributeValue,
        EmptyTagSlash,
        EndTag,
        ProcessingInstruction,
        Bang,
        CData,
    }

    private static ReadOnlySpan<byte> CDataOpen => "[CDATA["u8;

    private readonly int _maxFrameBytes = maxFrameBytes;
    private readonly bool _elementsOnly = elementsOnly;
    private Lex _lex;
    private int _depth = elementsOnly ? 1 : 0;
    private bool _inFrame;
    private bool _headerSeen = elementsOnly;
    private byte _quote;
    private int _match;
    private long _examined;

    public int MaxFrameBytes => _maxFrameBytes;

    /// <summary>Forget everything: a new stream starts (after STARTTLS, SASL success or a new connection).</summary>
    public void Reset()
    {
        _lex = Lex.Text;
        _depth = _elementsOnly ? 1 : 0;
        _inFrame = false;
        _headerSeen = _elementsOnly;
        _quote = 0;
        _match = 0;
        _examined = 0;
    }

    /// <summary>
    /// Looks for the next frame in <paramref name="buffer"/>, which must start where the previous call left it.
    /// Done: <paramref name="frame"/> is the frame's bytes and <paramref name="buffer"/> starts after it.
    /// NeedMoreData: <paramref name="buffer"/> starts at the unfinished frame (skipped whitespace is consumed);
    /// pass the same start again with more bytes appended. InvalidData: the stream cannot continue.
    /// </summary>
    public OperationStatus TryReadFrame(ref ReadOnlySequence<byte> buffer, out XmlFrameKind kind, out ReadOnlySequence<byte> frame, out XmlFramingError error)
    {
        kind = default;
        frame = default;
        error = XmlFramingError.None;
        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(_examined);
        long frameStart = 0;
        while (reader.TryRead(out byte b))
        {
            if (!_inFrame)
            {
                if (IsWhitespace(b))
                {
                    frameStart = reader.Consumed;
                    continue;
                }
                if (b != (byte)'<')
                {
                    error = XmlFramingError.Malformed;
                    return OperationStatus.InvalidData;
                }
                _inFrame = true;
                _lex = Lex.LessThan;
                continue;
            }
            if (reader.Consumed - frameStart > _maxFrameBytes)
            {
                error = XmlFramingError.TooLarge;
                return OperationStatus.InvalidData;
            }
            var step = Step(b, out kind);
            if (step == Outcome.Continue)
            {
                continue;
            }
            if (step == Outcome.Invalid)
            {
                error = _lastError;
                return OperationStatus.InvalidData;
            }
            if (step == Outcome.Skip)
            {
                _inFrame = false;
                frameStart = reader.Consumed;
                continue;
            }
            frame = buffer.Slice(frameStart, reader.Consumed - frameStart);
            buffer = buffer.Slice(reader.Consumed);
            _inFrame = false;
            _examined = 0;
            return OperationStatus.Done;
        }
        buffer = buffer.Slice(frameStart);
        _examined = reader.Consumed - frameStart;
        return OperationStatus.NeedMoreData;
    }

    private enum Outcome : byte
    {
        Continue,
        Frame,
        Skip,
        Invalid,
    }

    private XmlFramingError _lastError;

    private Outcome Invalid(XmlFramingError error)
    {
        _lastError = error;
        return Outcome.Invalid;
    }

    private Outcome Step(byte b, out XmlFrameKind kind)
    {
        kind = default;
        switch (_lex)
        {
            case Lex.Text:
                if (b == (byte)'<')
                {
                    _lex = Lex.LessThan;
                }
                return Outcome.Continue;

            case Lex.LessThan:
                if (b == (byte)'/')
                {
                    _lex = Lex.EndTag;
                    return _depth == 0 ? Invalid(XmlFramingError.Malformed) : Outcome.Continue;
                }
                if (b == (byte)'?')
                {
                    // Only the XML declaration, only before the stream header.
                    _lex = Lex.ProcessingInstruction;
                    _match = 0;
                    return _depth == 0 && !_headerSeen ? Outcome.Continue : Invalid(XmlFramingError.Restricted);
                }
                if (b == (byte)'!')
                {
                    _lex = Lex.Bang;
                    _match = 0;
                    return _depth >= 2 ? Outcome.Continue : Invalid(XmlFramingError.Restricted);
                }
                if (!IsNameStart(b))
                {
                    return Invalid(XmlFramingError.Malformed);
                }
                if (_depth == 0 && _headerSeen)
                {
                    return Invalid(XmlFramingError.Malformed);
                }
                _lex = Lex.StartTag;
                return Outcome.Continue;

            case Lex.StartTag:
                switch (b)
                {
                    case (byte)'"' or (byte)'\'':
                        _quote = b;
                        _lex = Lex.AttributeValue;
                        return Outcome.Continue;
                    case (byte)'/':
                        _lex = Lex.EmptyTagSlash;
                        return Outcome.Continue;
                    case (byte)'<':
                        return Invalid(XmlFramingError.Malformed);
                    case (byte)'>':
                        _lex = Lex.Text;
                        if (_depth == 0)
                        {
                            _depth = 1;
                            _headerSeen = true;
                            kind = XmlFrameKind.StreamHeader;
                            return Outcome.Frame;
                        }
                        if (++_depth > MaxDepth)
                        {
                            return Invalid(XmlFramingError.TooDeep);
                        }
                        return Outcome.Continue;
                    default:
                        return Outcome.Continue;
                }

            case Lex.AttributeValue:
                if (b == _quote)
                {
                    _lex = Lex.StartTag;
                }
                return b == (byte)'<' ? Invalid(XmlFramingError.Malformed) : Outcome.Continue;

            case Lex.EmptyTagSlash:
                if (b != (byte)'>' || _depth == 0)
                {
                    // <stream:stream/> is not a stream; '/' elsewhere in a tag is not XML.
                    return Invalid(XmlFramingError.Malformed);
                }
                _lex = Lex.Text;
                if (_depth == 1)
                {
                    kind = XmlFrameKind.Element;
                    return Outcome.Frame;
                }
                return Outcome.Continue;

            case Lex.EndTag:
                if (b == (byte)'<')
                {
                    return Invalid(XmlFramingError.Malformed);
                }
                if (b != (byte)'>')
                {
                    return Outcome.Continue;
                }
                _lex = Lex.Text;
                _depth--;
                if (_depth == 0)
                {
                    kind = XmlFrameKind.StreamEnd;
                    return Outcome.Frame;
                }
                if (_depth == 1)
                {
                    kind = XmlFrameKind.Element;
                    return Outcome.Frame;
                }
                return Outcome.Continue;

            case Lex.ProcessingInstruction:
                if (_match == 1 && b == (byte)'>')
                {
                    _lex = Lex.Text;
                    return Outcome.Skip;
                }
                _match = b == (byte)'?' ? 1 : 0;
                return Outcome.Continue;

            case Lex.Bang:
                if (b != CDataOpen[_match])
                {
                    return Invalid(XmlFramingError.Restricted);
                }
                if (++_match == CDataOpen.Length)
                {
                    _lex = Lex.CData;
                    _match = 0;
                }
                return Outcome.Continue;

            case Lex.CData:
                // Looking for "]]>"; _match counts the ']' seen in a row.
                if (b == (byte)']')
                {
                    _match = Math.Min(_match + 1, 2);
                }
                else if (b == (byte)'>' && _match == 2)
                {
                    _lex = Lex.Text;
                    _match = 0;
                }
                else
                {
                    _match = 0;
                }
                return Outcome.Continue;

            default:
                return Invalid(XmlFramingError.Malformed);
        }
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static bool IsNameStart(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_' or (byte)':' or >= 0x80;
}
