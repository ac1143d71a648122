using CallBot.TestSupport.Chromium;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Prosody;

namespace CallBot.Interop.Tests;

/// <summary>One private Prosody and one headless Chromium shared by every interop test; user ids never repeat.</summary>
public sealed class SdkInteropFixture : IAsyncLifetime
{
    private int _nextUserId = 2000;

    public ProsodyFixture Prosody { get; } = new();

    public ChromiumFixture Chromium { get; } = new();

    /// <summary>A fresh user id, so a test never sees another test's sessions.</summary>
    public int NewUserId() => Interlocked.Increment(ref _nextUserId);

    /// <summary>A harness whose clients are disposed with it; options default to SDK defaults with fast dialing.</summary>
    public ConnectyCubeSdkHarness NewHarness(ConnectyCubeSdkOptions? options = null) => new(Chromium, Prosody, options);

    public async ValueTask InitializeAsync()
    {
        await Prosody.InitializeAsync();
        await Chromium.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await Prosody.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SdkInteropCollection : ICollectionFixture<SdkInteropFixture>
{
    public const string Name = "ConnectyCube SDK interop";
}
