using CallBot.Signaling.ConnectyCube;

namespace CallBot.Signaling.Tests.ConnectyCube;

public sealed class ChatJidTests
{
    [Theory]
    [InlineData("12345-678@chat.connectycube.com/abc", 12345)]
    [InlineData("12345-678@chat.connectycube.com", 12345)]
    [InlineData("42@localhost/x-y", 42)]
    public void User_id_is_the_digits_before_the_first_dash(string jid, int expected)
    {
        Assert.True(ChatJid.TryGetUserId(jid, out var id));
        Assert.Equal(expected, id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345-678")]
    [InlineData("-678@localhost")]
    [InlineData("abc-678@localhost")]
    [InlineData("12a-678@localhost")]
    [InlineData("+12-678@localhost")]
    [InlineData("99999999999999999999-1@localhost")]
    [InlineData("@localhost")]
    public void Anything_else_is_refused(string jid)
    {
        Assert.False(ChatJid.TryGetUserId(jid, out _));
    }

    [Fact]
    public void Bare_strips_the_resource()
    {
        Assert.Equal("1-7@localhost", ChatJid.Bare("1-7@localhost/res/with/slash"));
        Assert.Equal("1-7@localhost", ChatJid.Bare("1-7@localhost"));
    }
}
