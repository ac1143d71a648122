using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Configuration;

namespace CallBot.Worker.Tests;

/// <summary>
/// Issue 16 row 1 in the worker: loopback and private remote candidates are refused unless configured; loopback labs
/// (<c>LoopbackCandidatesOnly</c>, the demo) open loopback only, explicitly.
/// </summary>
public sealed class RemoteCandidatePolicyOptionsTests
{
    [Fact]
    public void By_default_loopback_and_private_remote_candidates_are_refused()
    {
        var ice = CallBotRuntime.PeerConnectionOptionsFor(Bind([]), loopbackOnly: false).Ice;
        Assert.False(ice.AllowLoopbackRemoteCandidates);
        Assert.False(ice.AllowPrivateRemoteCandidates);
    }

    [Fact]
    public void Loopback_only_gathering_accepts_loopback_remotes_and_nothing_more()
    {
        var options = Bind(new() { ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true" });
        var ice = CallBotRuntime.PeerConnectionOptionsFor(options, options.LoopbackCandidatesOnly).Ice;
        Assert.True(ice.IncludeLoopback);
        Assert.True(ice.AllowLoopbackRemoteCandidates);
        Assert.False(ice.AllowPrivateRemoteCandidates);
    }

    [Fact]
    public void Each_key_opens_what_it_names()
    {
        var ice = CallBotRuntime.PeerConnectionOptionsFor(Bind(new()
        {
            ["CallBot:VideoChat:AllowLoopbackRemoteCandidates"] = "true",
            ["CallBot:VideoChat:AllowPrivateRemoteCandidates"] = "true",
        }), loopbackOnly: false).Ice;
        Assert.True(ice.AllowLoopbackRemoteCandidates);
        Assert.True(ice.AllowPrivateRemoteCandidates);
        Assert.False(ice.IncludeLoopback);
    }

    private static VideoChatOptions Bind(Dictionary<string, string?> values)
    {
        var options = new VideoChatOptions();
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(VideoChatOptions.Section).Bind(options);
        return options;
    }
}
