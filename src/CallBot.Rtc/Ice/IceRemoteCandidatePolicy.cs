using System.Net;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// Which remote addresses the agent will pair with or answer (the address policy of <see cref="IceOptions"/>, the ufrag
/// grammar); every refusal is counted and logged. Stateless apart from the policy.
/// </summary>
internal sealed class IceRemoteCandidatePolicy(IceOptions options, IceCounters counters, ILogger logger)
{
    private readonly IceAddressPolicy _addressPolicy = IceAddressPolicy.From(options);

    /// <summary>The policy check of a remote candidate (address, ufrag grammar); a name passes (kept aside, never resolved).</summary>
    public bool Admits(IceCandidate candidate)
    {
        if (candidate.Ufrag is { } ufrag && !IceCredentials.IsValidUfrag(ufrag))
        {
            Refuse(candidate, IceAddressRefusal.BadUfrag);
            return false;
        }

        if (candidate.IsMdns || !LooksLikeLiteral(candidate.Address))
        {
            return true; // a name: never resolved, never sent to (kept aside, bounded)
        }

        var refusal = _addressPolicy.Check(candidate.Address, out _);
        if (refusal != IceAddressRefusal.None)
        {
            Refuse(candidate, refusal);
            return false;
        }

        return true;
    }

    /// <summary>Whether an authenticated request from <paramref name="source"/> is answered (a loopback or private source may be refused).</summary>
    public bool AdmitsSource(IPEndPoint source)
    {
        if (_addressPolicy.Check(source.Address) is var refusal and not IceAddressRefusal.None)
        {
            counters.Count(IceCounter.RemoteCandidatesRefused);
            IceLog.SourceRefused(logger, source, refusal);
            return false;
        }

        return true;
    }

    public void Refuse(IceCandidate candidate, IceAddressRefusal refusal)
    {
        counters.Count(IceCounter.RemoteCandidatesRefused);
        IceLog.CandidateRefused(logger, candidate.Address.Length > 64 ? candidate.Address[..64] : candidate.Address, candidate.Port, refusal);
    }

    /// <summary>
    /// Anything a resolver-free parser could read as an IP address is judged as one (digits, dots, hex, colons): an
    /// integer <c>2130706433</c> is not a name to keep aside but a loopback address in disguise, refused as non-canonical.
    /// </summary>
    private static bool LooksLikeLiteral(string address)
    {
        if (address.Contains(':', StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var c in address)
        {
            if (!(char.IsAsciiDigit(c) || c == '.' || char.IsAsciiHexDigit(c) || c is 'x' or 'X'))
            {
                return false;
            }
        }

        return true;
    }
}
