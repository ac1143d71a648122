using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// The pairs of one session by remote user, and who offers on each: the initiator always offers to a callee; between two
/// callees the larger user id offers. Roles may be read from any thread (<c>canInitiateIceRestart</c>); the pairs are
/// touched only on the work queue.
/// </summary>
internal sealed class CallPeerTable(int initiatorId, int currentUserId, IReadOnlyList<int> opponentIds)
{
    private readonly Dictionary<int, CallPeerLink> _links = [];
    private readonly ConcurrentDictionary<int, PeerRole> _roles = new();

    /// <summary>The pairs made so far (a copy: releasing one while walking them is safe).</summary>
    public CallPeerLink[] Links => [.. _links.Values];

    /// <summary>Users a pair has been made with (readable from any thread).</summary>
    public IReadOnlyCollection<int> UserIds => [.. _roles.Keys];

    public bool AllReleased => _links.Values.All(link => link.Released);

    public bool TryGet(int userId, [NotNullWhen(true)] out CallPeerLink? link) => _links.TryGetValue(userId, out link);

    public bool IsOfferer(int userId) => _roles.TryGetValue(userId, out var role) && role == PeerRole.Offerer;

    /// <summary>Everyone this user has a pair with in this call: the initiator and the other callees.</summary>
    public bool IsParticipant(int userId) =>
        userId != currentUserId && (userId == initiatorId || opponentIds.Contains(userId));

    public CallPeerLink GetOrAdd(int userId, PeerRole role)
    {
        if (!_links.TryGetValue(userId, out var link))
        {
            link = new CallPeerLink(userId, role);
            _links[userId] = link;
            _roles[userId] = role;
        }
        return link;
    }

    /// <summary>This side makes the offer on that pair (a caller, or the larger id of two callees), whatever was planned.</summary>
    public CallPeerLink GetOrAddOfferer(int userId)
    {
        var link = GetOrAdd(userId, PeerRole.Offerer);
        link.Role = PeerRole.Offerer;
        _roles[userId] = PeerRole.Offerer;
        return link;
    }

    /// <summary>Who offers on the pair with <paramref name="peer"/>, seen from a callee that got a <c>call</c> from <paramref name="fromUserId"/>.</summary>
    public PeerRole PlannedRole(int peer, int fromUserId) =>
        peer != initiatorId && peer != fromUserId && currentUserId > peer ? PeerRole.Offerer : PeerRole.Answerer;

    /// <summary>The callees other than this user, in <c>opponentsIDs</c> order, without repeats.</summary>
    public List<int> OtherCallees()
    {
        var others = new List<int>();
        foreach (var id in opponentIds)
        {
            if (id != currentUserId && id != initiatorId && !others.Contains(id))
            {
                others.Add(id);
            }
        }
        return others;
    }
}
