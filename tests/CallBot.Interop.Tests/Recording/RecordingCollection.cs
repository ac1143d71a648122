namespace CallBot.Interop.Tests.Recording;

/// <summary>Recording end-to-end classes share one encode of the synthetic card and run one after another (2 shared cores).</summary>
[CollectionDefinition(Name)]
public sealed class RecordingCollection : ICollectionFixture<SyntheticMediaFixture>
{
    public const string Name = "Recording end to end";
}
