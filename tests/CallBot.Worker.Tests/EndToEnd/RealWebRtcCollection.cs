namespace CallBot.Worker.Tests.EndToEnd;

/// <summary>
/// Tests that run real calls (ICE, DTLS, FFmpeg encode/record) take turns: on a 2-core machine, several at once starve
/// each other's DTLS handshakes and media pacing, which tests the machine rather than the bot.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealWebRtcCollection
{
    public const string Name = "Real WebRTC calls";
}
