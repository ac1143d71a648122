using System.Collections.Concurrent;
using System.Globalization;
using System.Xml.Linq;

namespace CallBot.Signaling.Loopback;

/// <summary>
/// An in-process chat server for <c>demo</c> and unit tests only (integration tests use Prosody). Hands out
/// <see cref="IChatTransport"/> endpoints per user; a message sent to a bare JID reaches every online endpoint of that
/// user, a message to a full JID only that one, with <c>from</c> set to the sender's full JID as Prosody sets it.
/// Like Prosody with headline messages, a message for a user with no online endpoint is dropped (and counted).
/// Delivery is asynchronous and in order per receiving endpoint.
/// </summary>
public sealed class LoopbackChatHub
{
    private readonly ConcurrentDictionary<string, LoopbackChatEndpoint> _endpoints = new(StringComparer.Ordinal);
    private long _undelivered;
    private long _delivered;
    private readonly Lock _pendingGate = new();
    private long _pending;
    private TaskCompletionSource _idle = CompletedIdle();
    private int _resourceCounter;

    public LoopbackChatHub(string domain = "chat.loopback", string appId = "1")
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        ArgumentException.ThrowIfNullOrEmpty(appId);
        Domain = domain;
        AppId = appId;
    }

    public string Domain { get; }

    public string AppId { get; }

    public long UndeliveredCount => Interlocked.Read(ref _undelivered);

    public long DeliveredCount => Interlocked.Read(ref _delivered);

    /// <summary>Messages handed to endpoints whose handlers have not run yet.</summary>
    public long PendingDeliveries
    {
        get
        {
            lock (_pendingGate)
            {
                return _pending;
            }
        }
    }

    /// <summary>
    /// Completes once no message is waiting for an endpoint's handler (at once when none is): how tests wait for
    /// delivery without polling.
    /// </summary>
    public Task WhenIdleAsync()
    {
        lock (_pendingGate)
        {
            return _idle.Task;
        }
    }

    /// <summary>Raised for every message the hub routes (after <c>from</c> is set), before delivery. For test observers.</summary>
    public event EventHandler<ChatMessageReceivedEventArgs>? MessageRouted;

    /// <summary>A logged-in endpoint for <c>userId-appId@domain/resource</c>.</summary>
    public LoopbackChatEndpoint Connect(int userId, string? resource = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        resource ??= string.Create(CultureInfo.InvariantCulture, $"loopback{Interlocked.Increment(ref _resourceCounter)}");
        var jid = string.Create(CultureInfo.InvariantCulture, $"{userId}-{AppId}@{Domain}/{resource}");
        var endpoint = new LoopbackChatEndpoint(this, jid);
        if (!_endpoints.TryAdd(jid, endpoint))
        {
            throw new InvalidOperationException($"{jid} is already connected.");
        }
        return endpoint;
    }

    internal void Remove(LoopbackChatEndpoint endpoint) => _endpoints.TryRemove(new KeyValuePair<string, LoopbackChatEndpoint>(endpoint.LocalJid, endpoint));

    internal void Delivered()
    {
        lock (_pendingGate)
        {
            if (--_pending == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private void Pending()
    {
        lock (_pendingGate)
        {
            if (_pending++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private static TaskCompletionSource CompletedIdle()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        idle.SetResult();
        return idle;
    }

    internal void Route(LoopbackChatEndpoint sender, XElement message)
    {
        var copy = new XElement(message);
        copy.SetAttributeValue("from", sender.LocalJid);
        MessageRouted?.Invoke(this, new ChatMessageReceivedEventArgs(copy));
        var to = (string?)copy.Attribute("to") ?? string.Empty;
        var toBare = to.Contains('/', StringComparison.Ordinal) ? null : to;
        var any = false;
        foreach (var endpoint in _endpoints.Values)
        {
            var match = toBare is null
                ? string.Equals(endpoint.LocalJid, to, StringComparison.OrdinalIgnoreCase)
                : string.Equals(endpoint.BareJid, toBare, StringComparison.OrdinalIgnoreCase);
            if (!match)
            {
                continue;
            }
            Pending();
            if (!endpoint.Deliver(new XElement(copy)))
            {
                Delivered(); // refused (the endpoint closed): nothing is waiting for it
            }
            else
            {
                any = true;
                Interlocked.Increment(ref _delivered);
            }
        }
        if (!any)
        {
            Interlocked.Increment(ref _undelivered);
        }
    }
}
