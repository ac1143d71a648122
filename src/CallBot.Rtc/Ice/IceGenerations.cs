using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// The generations of credentials (RFC 8445 §9): the current one, and the previous one while media still uses its pair
/// after a restart. Begins a new generation on a restart by either side and tells which generation a request's USERNAME
/// belongs to. Owned by the agent loop.
/// </summary>
internal sealed class IceGenerations(IceCredentials local, IceTransactionTable transactions, IceRemoteGenerations remoteGenerations, ILogger logger)
{
    public IceGeneration Current { get; private set; } = new(0, local);

    /// <summary>The generation before <see cref="Current"/>, kept only while <c>selected</c> media still flows on its pair.</summary>
    public IceGeneration? Previous { get; private set; }

    /// <summary>Starts the next generation with our <paramref name="local"/> credentials; the old one's checks stop.</summary>
    public void Begin(IceCredentials local, IceCandidatePair? selected)
    {
        var old = Current;
        transactions.RemoveChecksOf(old);
        remoteGenerations.RememberPast(old.Remote);
        Previous = selected is not null && ReferenceEquals(selected.Generation, old) ? old : null;
        Current = new IceGeneration(old.Number + 1, local, old.Local);
        IceLog.Restarted(logger, Current.Number);
    }

    /// <summary>Media moved to a pair of the current generation, or consent was lost: the previous one is not answered any more.</summary>
    public void ForgetPrevious() => Previous = null;

    /// <summary>
    /// The generation a request's USERNAME (ours:theirs) belongs to. <paramref name="previousCredentials"/>: it names our
    /// previous ufrag with the peer's current one — the peer restarted and checks its new generation before our answer
    /// with the new credentials reached it (RFC 8445 §9 leaves this open; libwebrtc does it), so it belongs to the current
    /// generation, authenticated with our previous password.
    /// </summary>
    public IceGeneration? FindByLocalUfrag(ReadOnlySpan<byte> username, out bool previousCredentials)
    {
        previousCredentials = false;
        var colon = username.IndexOf((byte)':');
        var localPart = colon < 0 ? username : username[..colon];
        if (UfragEquals(localPart, Current.Local.Ufrag))
        {
            return Current;
        }

        if (Current.PreviousLocal is { } previous && UfragEquals(localPart, previous.Ufrag) && RemotePartIs(username, Current.Remote))
        {
            previousCredentials = true;
            return Current;
        }

        return Previous is not null && UfragEquals(localPart, Previous.Local.Ufrag) ? Previous : null;
    }

    /// <summary>Whether the USERNAME's second half (the sender's ufrag, RFC 8445 §7.2.2) is <paramref name="remote"/>'s.</summary>
    private static bool RemotePartIs(ReadOnlySpan<byte> username, IceCredentials? remote)
    {
        var colon = username.IndexOf((byte)':');
        return remote is not null && colon >= 0 && UfragEquals(username[(colon + 1)..], remote.Ufrag);
    }

    private static bool UfragEquals(ReadOnlySpan<byte> utf8, string ufrag)
    {
        if (utf8.Length != ufrag.Length)
        {
            return false;
        }

        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] != ufrag[i])
            {
                return false;
            }
        }

        return true;
    }
}
