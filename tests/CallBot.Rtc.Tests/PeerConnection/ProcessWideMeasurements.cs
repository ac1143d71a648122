namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>
/// Tests that measure the whole process (sockets, threads, managed memory, allocated bytes) run alone, after the
/// parallel tests, so other test classes cannot disturb the counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMeasurements
{
    public const string Name = "Process-wide measurements";
}
