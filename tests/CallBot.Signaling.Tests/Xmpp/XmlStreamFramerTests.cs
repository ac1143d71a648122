using System.Buffers;
using System.Text;
using CallBot.Signaling.Xmpp;

namespace CallBot.Signaling.Tests.Xmpp;

/// <summary>
/// Every sample is fed whole, split in two at every offset, and one byte at a time, each chunk its own buffer
/// segment, the way a PipeReader hands them over. The frames (and the error, for bad samples) must not depend on
/// where the bytes were cut. A guard frame start ("&lt;gua") follows each sample and must stay unconsumed.
/// </summary>
public sealed class XmlStreamFramerTests
{
    private const string Guard = "<gua";

    private const string Header =
        "<?xml version='1.0'?>" +                                               // XML declaration: skipped
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
        "id='4f1c' from='localhost' version='1.0' xml:lang='en'>";             // StreamHeader, depth 0 → 1
    private const string HeaderFrame = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='4f1c' from='localhost' version='1.0' xml:lang='en'>";

    internal sealed record Sample(string Name, string Wire, string[] Frames, XmlFramingError Error = XmlFramingError.None, int Cap = 4096)
    {
        public override string ToString() => Name;
    }

    private static readonly Sample[] Samples =
    [
        new("prosody-login", Header +
            "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>",
            ["H:" + HeaderFrame, "E:<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"]),
        new("whitespace-keepalives", Header + " \n\t <presence/>\r\n <presence type='unavailable'/>  ",
            ["H:" + HeaderFrame, "E:<presence/>", "E:<presence type='unavailable'/>"]),
        new("gt-and-slash-inside-attribute-values", Header + "<message to='a/b' id='x>y' note=\"/>\"><body>1 &gt; 0 &amp;&amp; a/b</body></message>",
            ["H:" + HeaderFrame, "E:<message to='a/b' id='x>y' note=\"/>\"><body>1 &gt; 0 &amp;&amp; a/b</body></message>"]),
        new("cdata-with-tags-and-brackets", Header + "<message><body><![CDATA[<not a='tag'> ]] ]>]]]></body></message>",
            ["H:" + HeaderFrame, "E:<message><body><![CDATA[<not a='tag'> ]] ]>]]]></body></message>"]),
        new("utf8-multibyte", Header + "<message><body>héllo ✓ 😀 中文</body></message>",
            ["H:" + HeaderFrame, "E:<message><body>héllo ✓ 😀 中文</body></message>"]),
        new("nested-and-empty-children", Header + "<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>1-7@localhost/r</jid></bind><x/><y></y></iq>",
            ["H:" + HeaderFrame, "E:<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>1-7@localhost/r</jid></bind><x/><y></y></iq>"]),
        new("stream-end", Header + "<presence/></stream:stream>",
            ["H:" + HeaderFrame, "E:<presence/>", "S:</stream:stream>"]),
        new("bytes-after-stream-end", Header + "</stream:stream><presence/>", ["H:" + HeaderFrame, "S:</stream:stream>"], XmlFramingError.Malformed),
        new("header-without-declaration", "<stream:stream xmlns='jabber:client'><a/>",
            ["H:<stream:stream xmlns='jabber:client'>", "E:<a/>"]),

        new("comment-at-stream-level", Header + "<!-- hi -->", ["H:" + HeaderFrame], XmlFramingError.Restricted),
        new("comment-inside-stanza", Header + "<message><!-- hi --></message>", ["H:" + HeaderFrame], XmlFramingError.Restricted),
        new("doctype", "<!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream>", [], XmlFramingError.Restricted),
        new("processing-instruction-after-header", Header + "<?php x ?>", ["H:" + HeaderFrame], XmlFramingError.Restricted),
        new("text-at-stream-level", Header + "hello", ["H:" + HeaderFrame], XmlFramingError.Malformed),
        new("lt-inside-tag", Header + "<message <body/>", ["H:" + HeaderFrame], XmlFramingError.Malformed),
        new("lt-inside-attribute", Header + "<message id='<'/>", ["H:" + HeaderFrame], XmlFramingError.Malformed),
        new("end-tag-before-anything", "</stream:stream>", [], XmlFramingError.Malformed),
        new("self-closed-stream-header", "<stream:stream/>", [], XmlFramingError.Malformed),
        new("bad-name-start", Header + "<1message/>", ["H:" + HeaderFrame], XmlFramingError.Malformed),
        new("second-root", "<a></a><b>", ["H:<a>", "S:</a>"], XmlFramingError.Malformed),
        new("stanza-over-cap", Header + "<message><body>" + new string('x', 1100) + "</body></message>", ["H:" + HeaderFrame], XmlFramingError.TooLarge, Cap: 1024),
        new("too-deep", Header + string.Concat(Enumerable.Repeat("<a>", 70)), ["H:" + HeaderFrame], XmlFramingError.TooDeep),
    ];

    public static TheoryData<string> All => [.. Samples.Select(s => s.Name)];

    private static Sample Get(string name) => Samples.Single(s => s.Name == name);

    [Theory]
    [MemberData(nameof(All))]
    public void Whole_sample_in_one_segment(string name)
    {
        var sample = Get(name);
        AssertFeed(sample, [Bytes(sample).Length]);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Split_in_two_at_every_offset(string name)
    {
        var sample = Get(name);
        int length = Bytes(sample).Length;
        for (int cut = 1; cut < length; cut++)
        {
            AssertFeed(sample, [cut, length - cut]);
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void One_byte_at_a_time(string name)
    {
        var sample = Get(name);
        AssertFeed(sample, Enumerable.Repeat(1, Bytes(sample).Length).ToArray());
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Many_segments_in_one_read(string name)
    {
        var sample = Get(name);
        // All bytes arrive at once but spread over 3-byte segments: frames cross segment borders.
        byte[] bytes = Bytes(sample);
        var (frames, status, error, rest) = Run(sample.Cap, [bytes], segmentSize: 3);
        Check(sample, frames, status, error, rest);
    }

    [Fact]
    public void Random_bytes_never_throw_and_never_loop()
    {
        var random = new Random(7395);
        for (int i = 0; i < 2000; i++)
        {
            byte[] junk = new byte[random.Next(1, 200)];
            random.NextBytes(junk);
            if (i % 2 == 0)
            {
                // Bias toward XML-looking bytes, where the interesting states are.
                const string alphabet = "<>/?!'\"=[]-ab: \n";
                for (int j = 0; j < junk.Length; j++)
                {
                    junk[j] = (byte)alphabet[junk[j] % alphabet.Length];
                }
            }
            var (frames, status, _, _) = Run(256, [junk], segmentSize: 1 + (i % 5));
            Assert.True(frames.Count <= junk.Length);
            Assert.True(status is OperationStatus.NeedMoreData or OperationStatus.InvalidData);
        }
    }

    [Fact]
    public void Reset_starts_a_new_stream_after_sasl_success()
    {
        var framer = new XmlStreamFramer(4096);
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Header + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"));
        Assert.Equal(OperationStatus.Done, framer.TryReadFrame(ref buffer, out var kind, out _, out _));
        Assert.Equal(XmlFrameKind.StreamHeader, kind);
        Assert.Equal(OperationStatus.Done, framer.TryReadFrame(ref buffer, out kind, out _, out _));
        Assert.Equal(XmlFrameKind.Element, kind);
        framer.Reset();
        buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Header));
        Assert.Equal(OperationStatus.Done, framer.TryReadFrame(ref buffer, out kind, out _, out _));
        Assert.Equal(XmlFrameKind.StreamHeader, kind);
    }

    /// <summary>Good samples get the guard, unless they end the stream (nothing may follow that).</summary>
    private static bool HasGuard(Sample sample) => sample.Error == XmlFramingError.None && !sample.Frames[^1].StartsWith("S:", StringComparison.Ordinal);

    private static byte[] Bytes(Sample sample) => Encoding.UTF8.GetBytes(HasGuard(sample) ? sample.Wire + Guard : sample.Wire);

    private static void AssertFeed(Sample sample, int[] chunkSizes)
    {
        byte[] bytes = Bytes(sample);
        var chunks = new List<byte[]>();
        int at = 0;
        foreach (int size in chunkSizes)
        {
            chunks.Add(bytes[at..(at + size)]);
            at += size;
        }
        var (frames, status, error, rest) = Run(sample.Cap, chunks, segmentSize: int.MaxValue);
        Check(sample, frames, status, error, rest);
    }

    private static void Check(Sample sample, List<string> frames, OperationStatus status, XmlFramingError error, string rest)
    {
        Assert.Equal(sample.Frames, frames);
        if (sample.Error == XmlFramingError.None)
        {
            Assert.Equal(OperationStatus.NeedMoreData, status);
            Assert.Equal(HasGuard(sample) ? Guard : string.Empty, rest);
        }
        else
        {
            Assert.Equal(OperationStatus.InvalidData, status);
            Assert.Equal(sample.Error, error);
        }
    }

    /// <summary>
    /// Plays a PipeReader: each chunk is appended to the unconsumed bytes, the framer runs until it needs more,
    /// and consumed bytes are dropped from the front. Buffers are multi-segment (<paramref name="segmentSize"/>).
    /// </summary>
    private static (List<string> Frames, OperationStatus Status, XmlFramingError Error, string Remaining) Run(int cap, IEnumerable<byte[]> chunks, int segmentSize)
    {
        var framer = new XmlStreamFramer(cap);
        var frames = new List<string>();
        var pending = new List<byte>();
        var status = OperationStatus.NeedMoreData;
        foreach (byte[] chunk in chunks)
        {
            pending.AddRange(chunk);
            var buffer = Segments.Build(pending.ToArray(), segmentSize);
            while (true)
            {
                long before = buffer.Length;
                status = framer.TryReadFrame(ref buffer, out var kind, out var frame, out var error);
                if (status == OperationStatus.InvalidData)
                {
                    return (frames, status, error, string.Empty);
                }
                Assert.True(buffer.Length <= before);
                if (status == OperationStatus.NeedMoreData)
                {
                    break;
                }
                frames.Add(kind switch { XmlFrameKind.StreamHeader => "H:", XmlFrameKind.Element => "E:", _ => "S:" } + Encoding.UTF8.GetString(frame));
            }
            pending.RemoveRange(0, pending.Count - (int)buffer.Length);
        }
        return (frames, status, XmlFramingError.None, Encoding.UTF8.GetString(pending.ToArray()));
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Build(byte[] bytes, int segmentSize)
        {
            if (bytes.Length <= segmentSize)
            {
                return new ReadOnlySequence<byte>(bytes);
            }
            var first = new Segments(bytes.AsMemory(0, segmentSize), 0);
            var last = first;
            for (int at = segmentSize; at < bytes.Length; at += segmentSize)
            {
                var next = new Segments(bytes.AsMemory(at, Math.Min(segmentSize, bytes.Length - at)), at);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
