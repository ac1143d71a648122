using System.Net;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

internal static partial class IceLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "ICE state {State}")]
    public static partial void StateChanged(ILogger logger, IceConnectionState state);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "ICE selected pair {Local} -> {Remote} (generation {Generation})")]
    public static partial void PairSelected(ILogger logger, string local, IPEndPoint remote, int generation);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "ICE role switched to {Role} after a role conflict")]
    public static partial void RoleSwitched(ILogger logger, IceRole role);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "ICE learned peer-reflexive remote candidate {Remote}")]
    public static partial void PeerReflexiveLearned(ILogger logger, IPEndPoint remote);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "ICE STUN integrity check failed from {Remote}")]
    public static partial void IntegrityFailed(ILogger logger, IPEndPoint remote);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "ICE remote candidate {Address} is a name (mDNS); kept aside, peer-reflexive learning will cover it")]
    public static partial void NameCandidateKeptAside(ILogger logger, string address);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "ICE could not bind a socket for {Family}")]
    public static partial void BindFailed(ILogger logger, System.Net.Sockets.AddressFamily family, Exception exception);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "ICE agent work item failed")]
    public static partial void WorkFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "ICE event handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "ICE restart: generation {Generation}")]
    public static partial void Restarted(ILogger logger, int generation);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "ICE could not allocate a relay on {Server}")]
    public static partial void RelayFailed(ILogger logger, string server, Exception exception);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Debug, Message = "ICE remote candidate {Address} names a generation not applied yet; held until its credentials come")]
    public static partial void CandidateHeld(ILogger logger, string address);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Debug, Message = "ICE remote candidate {Address} belongs to an older remote generation; dropped")]
    public static partial void CandidateStale(ILogger logger, string address);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Debug, Message = "ICE remote candidate {Address}:{Port} refused: {Reason}")]
    public static partial void CandidateRefused(ILogger logger, string address, int port, IceAddressRefusal reason);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Debug, Message = "ICE authenticated request from {Remote} refused by the address policy: {Reason}")]
    public static partial void SourceRefused(ILogger logger, IPEndPoint remote, IceAddressRefusal reason);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Information, Message = "ICE host address {Address} appeared while generation {Generation} was checking; gathered and trickled")]
    public static partial void HostCandidateAppeared(ILogger logger, string address, int generation);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Debug, Message = "ICE check sent on {Pair} (generation {Generation}, {Role}, use-candidate {UseCandidate}, transmission 1)")]
    public static partial void CheckSent(ILogger logger, IceCandidatePair pair, int generation, IceRole role, bool useCandidate);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Debug, Message = "ICE check on {Pair} (generation {Generation}): {Outcome}")]
    public static partial void CheckOutcome(ILogger logger, IceCandidatePair pair, int generation, string outcome);

    [LoggerMessage(EventId = 2018, Level = LogLevel.Debug, Message = "ICE request from {Remote} for generation {Generation} (current {Current}) as {Role}, use-candidate {UseCandidate}: {Outcome}")]
    public static partial void RequestHandled(ILogger logger, IPEndPoint remote, int generation, int current, IceRole role, bool useCandidate, string outcome);

    [LoggerMessage(EventId = 2019, Level = LogLevel.Debug, Message = "ICE check from the peer on {Pair} (generation {Generation}) as {Role}, use-candidate {UseCandidate}, naming our previous credentials {PreviousCredentials}")]
    public static partial void PeerChecked(ILogger logger, IceCandidatePair pair, int generation, IceRole role, bool useCandidate, bool previousCredentials);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Debug, Message = "ICE check on {Pair} (generation {Generation}): error {Code} (487: role switched and retried)")]
    public static partial void CheckError(ILogger logger, IceCandidatePair pair, int generation, int code);
}
