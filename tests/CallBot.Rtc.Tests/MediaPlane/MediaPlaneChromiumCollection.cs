using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// One Chromium for every MediaPlane class that talks to it, and those classes one at a time: freezeCount and bitrate
/// are Chromium's own timing measurements, and several browsers decoding at once on two shared cores stall each other's
/// renderers for longer than the 150 ms freeze threshold. For the same reason scripts/test.sh runs them after the rest
/// of the suite, alone (<see cref="RunsAlone"/>): in the parallel run other assemblies' browsers and builds starve them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MediaPlaneChromiumCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "MediaPlane Chromium";

    /// <summary>Category of tests that measure real-time smoothness and so run alone, after the parallel suite.</summary>
    public const string RunsAlone = "RunsAlone";
}
