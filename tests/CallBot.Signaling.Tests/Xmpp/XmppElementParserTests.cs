using System.Text;
using CallBot.Signaling.Xmpp;

namespace CallBot.Signaling.Tests.Xmpp;

public sealed class XmppElementParserTests
{
    [Fact]
    public void Stream_prefix_and_default_namespace_from_the_header_are_in_scope()
    {
        Assert.True(XmppElementParser.TryParse(Encoding.UTF8.GetBytes("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"), out var features, out _));
        Assert.Equal(XmppNamespaces.Streams + "features", features!.Name);
        Assert.True(XmppElementParser.TryParse(Encoding.UTF8.GetBytes("<message to='a'><body>x</body></message>"), out var message, out _));
        Assert.Equal(XmppNamespaces.Client + "message", message!.Name);
        Assert.Equal(XmppNamespaces.Client + "body", message.Elements().Single().Name);
    }

    [Theory]
    [InlineData("<a></b>")]
    [InlineData("<a x='1' x='2'/>")]
    [InlineData("<a>&undefined;</a>")]
    [InlineData("<a><!-- c --></a>")]
    [InlineData("<a><?pi x?></a>")]
    [InlineData("<p:a/>")]
    [InlineData("")]
    [InlineData("<a>\u0001</a>")]
    public void Bad_xml_is_refused_without_throwing(string xml)
    {
        Assert.False(XmppElementParser.TryParse(Encoding.UTF8.GetBytes(xml), out var element, out string? error));
        Assert.Null(element);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Stream_header_attributes_are_readable()
    {
        var header = new System.Buffers.ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' version='1.0'>"));
        Assert.True(XmppElementParser.TryParseStreamHeader(header, out var element, out _));
        Assert.Equal("s1", (string?)element!.Attribute("id"));
    }
}
