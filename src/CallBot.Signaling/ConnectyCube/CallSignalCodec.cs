using System.Globalization;
using System.Xml.Linq;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// Encodes and decodes ConnectyCube call signals to and from their chat stanza:
/// <code>
/// &lt;message to="1002-1@chat.example" type="headline" id="&lt;24 hex&gt;"&gt;
///   &lt;extraParams xmlns="jabber:client"&gt;
///     [userInfo] sessionID callType callerID opponentsIDs [sdp | iceCandidates] moduleIdentifier signalType platform
///   &lt;/extraParams&gt;
/// &lt;/message&gt;
/// </code>
/// The child order is the SDK's: its <c>sendWebRTCSignalingMessage</c> walks the extension object's keys in
/// insertion order, and the session builds that object as <c>{userInfo}</c> + session fields + module fields.
/// The codec writes exactly what it is given (a non-null empty <see cref="CallSignal.UserInfo"/> becomes
/// <c>&lt;userInfo/&gt;</c>); the SDK's rules for dropping an empty userInfo or a zero maxBandwidth live in the
/// session layer (<see cref="SignalUserInfo.Prepare"/>). Decoding never depends on order and never throws on bad input.
/// </summary>
public static class CallSignalCodec
{
    public static readonly XNamespace JabberClient = "jabber:client";

    internal const int MaxOpponents = 32;
    internal const int MaxIceCandidates = 256;
    internal const int MaxTreeDepth = 16;
    internal const int MaxTreeNodes = 512;
    internal const int MaxExtraFields = 64;

    /// <summary>Longest accepted <c>sessionID</c>. The SDKs send a 36-char UUID; 128 leaves room for other clients.</summary>
    public const int MaxSessionIdLength = 128;

    private const string ExtraParams = "extraParams";
    private const string ModuleIdentifier = "moduleIdentifier";
    private const string SignalType = "signalType";
    private const string SessionId = "sessionID";
    private const string CallTypeName = "callType";
    private const string CallerId = "callerID";
    private const string OpponentsIds = "opponentsIDs";
    private const string OpponentId = "opponentID";
    private const string Sdp = "sdp";
    private const string Platform = "platform";
    private const string UserInfoName = "userInfo";
    private const string IceCandidatesName = "iceCandidates";
    private const string IceCandidateName = "iceCandidate";
    private const string Candidate = "candidate";
    private const string SdpMid = "sdpMid";
    private const string SdpMLineIndex = "sdpMLineIndex";
    private const string Headline = "headline";

    /// <summary>Builds the <c>&lt;message&gt;</c> stanza for one recipient (normally the peer's bare JID).</summary>
    public static XElement Encode(CallSignal signal, string to, string messageId)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentException.ThrowIfNullOrEmpty(to);
        ArgumentException.ThrowIfNullOrEmpty(messageId);

        var extra = new XElement(JabberClient + ExtraParams);
        if (signal.UserInfo is { } userInfo)
        {
            extra.Add(ToElement(InfoNode.Branch(UserInfoName, userInfo.Items)));
        }
        extra.Add(Leaf(SessionId, signal.SessionId));
        if (signal.CallType is { } callType)
        {
            extra.Add(Leaf(CallTypeName, ((int)callType).ToString(CultureInfo.InvariantCulture)));
        }
        if (signal.CallerId is { } callerId)
        {
            extra.Add(Leaf(CallerId, callerId.ToString(CultureInfo.InvariantCulture)));
        }
        if (signal.OpponentIds.Count > 0)
        {
            var opponents = new XElement(JabberClient + OpponentsIds);
            foreach (var id in signal.OpponentIds)
            {
                opponents.Add(Leaf(OpponentId, id.ToString(CultureInfo.InvariantCulture)));
            }
            extra.Add(opponents);
        }
        if (signal.Sdp is not null)
        {
            extra.Add(Leaf(Sdp, signal.Sdp));
        }
        if (signal.IceCandidates.Count > 0)
        {
            var candidates = new XElement(JabberClient + IceCandidatesName);
            foreach (var c in signal.IceCandidates)
            {
                // RTCIceCandidateInit key order {sdpMLineIndex, sdpMid, candidate}; String(v || '') makes 0 and null empty.
                candidates.Add(new XElement(
                    JabberClient + IceCandidateName,
                    Leaf(SdpMLineIndex, c.SdpMLineIndex == 0 ? string.Empty : c.SdpMLineIndex.ToString(CultureInfo.InvariantCulture)),
                    Leaf(SdpMid, c.SdpMid ?? string.Empty),
                    Leaf(Candidate, c.Candidate)));
            }
            extra.Add(candidates);
        }
        foreach (var field in signal.ExtraFields)
        {
            extra.Add(ToElement(field));
        }
        extra.Add(Leaf(ModuleIdentifier, CallSignalNames.ModuleIdentifier));
        extra.Add(Leaf(SignalType, signal.WireSignalType));
        if (signal.Platform is not null)
        {
            extra.Add(Leaf(Platform, signal.Platform));
        }

        return new XElement(
            JabberClient + "message",
            new XAttribute("to", to),
            new XAttribute("type", Headline),
            new XAttribute("id", messageId),
            extra);
    }

    /// <summary>
    /// Decodes a received <c>&lt;message&gt;</c>. Returns a reason instead of throwing for anything malformed.
    /// A <c>sent</c> carbon is unwrapped (and flagged), as the SDK does.
    /// </summary>
    public static CallSignalDecodeResult TryDecode(XElement? message)
    {
        if (message is null || message.Name.LocalName != "message")
        {
            return CallSignalDecodeResult.Rejected(CallSignalRejectReason.NotHeadlineMessage);
        }
        var isCarbon = false;
        var forwarded = Child(Child(Child(message, "sent"), "forwarded"), "message");
        if (forwarded is not null)
        {
            message = forwarded;
            isCarbon = true;
        }
        if ((string?)message.Attribute("type") != Headline)
        {
            return CallSignalDecodeResult.Rejected(CallSignalRejectReason.NotHeadlineMessage);
        }
        var extra = Child(message, ExtraParams);
        if (extra is null || Text(Child(extra, ModuleIdentifier)) != CallSignalNames.ModuleIdentifier)
        {
            return CallSignalDecodeResult.Rejected(CallSignalRejectReason.NotCallSignal);
        }
        var from = (string?)message.Attribute("from");
        if (!ChatJid.TryGetUserId(from, out var senderId))
        {
            return CallSignalDecodeResult.Rejected(CallSignalRejectReason.MissingSender, LogText.Truncate(from));
        }
        var isDelayed = Child(message, "delay") is not null || HasLegacyDelay(message);

        var rawType = Text(Child(extra, SignalType));
        if (string.IsNullOrEmpty(rawType))
        {
            return CallSignalDecodeResult.Rejected(CallSignalRejectReason.MissingSignalType);
        }
        string? sessionId = null;
        CallType? callType = null;
        int? callerId = null;
        string? sdp = null;
        string? platform = null;
        UserInfo? userInfo = null;
        List<int>? opponents = null;
        List<IceCandidateInit>? candidates = null;
        List<InfoNode>? extras = null;

        foreach (var element in extra.Elements())
        {
            switch (element.Name.LocalName)
            {
                case ModuleIdentifier:
                case SignalType:
                    break;
                case SessionId:
                    sessionId = Text(element);
                    break;
                case CallTypeName:
                    // The SDK maps only "1" and "2"; anything else is "undefined", later read as video.
                    callType = Text(element) switch { "1" => ConnectyCube.CallType.Video, "2" => ConnectyCube.CallType.Audio, _ => null };
                    break;
                case CallerId:
                    if (!TryParseId(Text(element), out var caller))
                    {
                        return CallSignalDecodeResult.Rejected(CallSignalRejectReason.BadNumber, CallerId);
                    }
                    callerId = caller;
                    break;
                case OpponentsIds:
                    opponents ??= [];
                    if (ReadItems(element, opponents, MaxOpponents, OpponentsIds, static (XElement item, out int id) => TryParseId(Text(item), out id),
                        CallSignalRejectReason.BadNumber, OpponentId) is { } badOpponents)
                    {
                        return badOpponents;
                    }
                    break;
                case Sdp:
                    sdp = Text(element);
                    break;
                case Platform:
                    platform = Text(element);
                    break;
                case UserInfoName:
                    var budget = MaxTreeNodes;
                    var tree = ToNode(element, 0, ref budget);
                    if (tree is null)
                    {
                        return CallSignalDecodeResult.Rejected(CallSignalRejectReason.TooDeep, UserInfoName);
                    }
                    userInfo = new UserInfo(tree.Children);
                    break;
                case IceCandidatesName:
                    candidates ??= [];
                    if (ReadItems(element, candidates, MaxIceCandidates, IceCandidatesName, TryParseCandidate, CallSignalRejectReason.BadIceCandidate) is { } badCandidates)
                    {
                        return badCandidates;
                    }
                    break;
                default:
                    extras ??= [];
                    if (extras.Count >= MaxExtraFields)
                    {
                        return CallSignalDecodeResult.Rejected(CallSignalRejectReason.TooManyItems, "extra fields");
                    }
                    var extraBudget = MaxTreeNodes;
                    var node = ToNode(element, 0, ref extraBudget);
                    if (node is null)
                    {
                        return CallSignalDecodeResult.Rejected(CallSignalRejectReason.TooDeep, element.Name.LocalName);
                    }
                    extras.Add(node);
                    break;
            }
        }
        if (string.IsNullOrEmpty(sessionId))
        {
            return CallSignalDecodeResult.Rejected(CallSignalRejectReason.MissingSessionId);
        }
        if (!IsValidSessionId(sessionId))
        {
            // The id is the caller's to choose and ends up in logs, tables and our replies: no detail, not even its length.
            return CallSignalDecodeResult.Rejected(CallSignalRejectReason.BadSessionId);
        }

        var type = CallSignalNames.FromWireName(rawType);
        var signal = new CallSignal
        {
            Type = type,
            RawSignalType = rawType,
            SessionId = sessionId,
            CallType = callType,
            CallerId = callerId,
            OpponentIds = opponents ?? [],
            Sdp = sdp,
            Platform = platform,
            UserInfo = userInfo,
            IceCandidates = candidates ?? [],
            ExtraFields = extras ?? [],
        };
        return CallSignalDecodeResult.Ok(new ReceivedCallSignal(
            signal, senderId, from!, (string?)message.Attribute("to"), (string?)message.Attribute("id"), isDelayed, isCarbon));
    }

    /// <summary>
    /// The <c>sessionID</c> grammar: 1..<see cref="MaxSessionIdLength"/> characters from ASCII letters, digits and <c>-_.:</c>
    /// (a UUID, and any other sane token). Anything else could smuggle markup, log noise or sheer size.
    /// </summary>
    public static bool IsValidSessionId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxSessionIdLength)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }
        return true;
    }

    private static XElement Leaf(string name, string value) => new(JabberClient + name, value);

    private static XElement ToElement(InfoNode node)
    {
        if (node.IsLeaf)
        {
            return Leaf(node.Name, node.Value!);
        }
        var element = new XElement(JabberClient + node.Name);
        foreach (var child in node.Children)
        {
            element.Add(ToElement(child));
        }
        return element;
    }

    /// <summary>An element with child elements becomes a branch; otherwise a leaf with all its text. Null when too deep or too big.</summary>
    private static InfoNode? ToNode(XElement element, int depth, ref int budget)
    {
        if (depth > MaxTreeDepth || --budget < 0)
        {
            return null;
        }
        if (!element.HasElements)
        {
            return InfoNode.Leaf(element.Name.LocalName, element.Value);
        }
        var children = new List<InfoNode>();
        foreach (var child in element.Elements())
        {
            var node = ToNode(child, depth + 1, ref budget);
            if (node is null)
            {
                return null;
            }
            children.Add(node);
        }
        return InfoNode.Branch(element.Name.LocalName, children);
    }

    private delegate bool ItemParser<T>(XElement item, out T value);

    /// <summary>
    /// Adds the children of a repeated field (<paramref name="field"/>) to <paramref name="items"/>, at most
    /// <paramref name="max"/> in all (a repeated field may appear more than once); the rejection for one too many or one
    /// that does not parse, or null when all were read.
    /// </summary>
    private static CallSignalDecodeResult? ReadItems<T>(XElement element, List<T> items, int max, string field, ItemParser<T> parse,
        CallSignalRejectReason badItem, string? badItemDetail = null)
    {
        foreach (var child in element.Elements())
        {
            if (items.Count >= max)
            {
                return CallSignalDecodeResult.Rejected(CallSignalRejectReason.TooManyItems, field);
            }
            if (!parse(child, out var item))
            {
                return CallSignalDecodeResult.Rejected(badItem, badItemDetail);
            }
            items.Add(item);
        }

        return null;
    }

    private static bool TryParseCandidate(XElement item, out IceCandidateInit candidate)
    {
        candidate = null!;
        string text = string.Empty;
        string? mid = null;
        var index = 0;
        foreach (var field in item.Elements())
        {
            switch (field.Name.LocalName)
            {
                case Candidate:
                    text = field.Value;
                    break;
                case SdpMid:
                    mid = field.Value;
                    break;
                case SdpMLineIndex:
                    var raw = field.Value.Trim();
                    if (raw.Length > 0 && !int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out index))
                    {
                        return false;
                    }
                    break;
            }
        }
        candidate = new IceCandidateInit(text, mid, index);
        return true;
    }

    private static bool TryParseId(string? text, out int id)
    {
        id = 0;
        return text is not null
            && int.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }

    /// <summary>All text of an element, children concatenated: a long value may arrive split over several child elements.</summary>
    private static string? Text(XElement? element) => element?.Value;

    private static XElement? Child(XElement? parent, string localName)
    {
        if (parent is null)
        {
            return null;
        }
        foreach (var child in parent.Elements())
        {
            if (child.Name.LocalName == localName)
            {
                return child;
            }
        }
        return null;
    }

    private static bool HasLegacyDelay(XElement message)
    {
        foreach (var child in message.Elements())
        {
            if (child.Name.LocalName == "x" && child.Name.NamespaceName == "jabber:x:delay")
            {
                return true;
            }
        }
        return false;
    }
}
