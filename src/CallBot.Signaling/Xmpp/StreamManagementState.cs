namespace CallBot.Signaling.Xmpp;

/// <summary>
/// XEP-0198 counters that outlive one connection, so a dropped stream can be resumed: how many stanzas we handled
/// (h, sent in &lt;a/&gt; and &lt;resume/&gt;), and the stanzas we sent that the server has not acknowledged yet.
/// Counters are 32-bit and wrap (XEP-0198 §4).
/// </summary>
internal sealed class StreamManagementState
{
    /// <summary>Unacknowledged stanzas kept for a resend; beyond this the oldest are given up (and counted).</summary>
    public const int MaxUnacked = 1024;

    private readonly Lock _lock = new();
    private readonly Queue<(uint Seq, string Xml)> _unacked = new();
    private uint _inbound;
    private uint _outbound;

    public string? ResumeId { get; private set; }

    /// <summary>Unacknowledged stanzas dropped from the resend buffer because it was full (server not acking).</summary>
    public long GivenUp { get; private set; }

    public string ResumeJid { get; private set; } = string.Empty;

    public uint Inbound
    {
        get
        {
            lock (_lock)
            {
                return _inbound;
            }
        }
    }

    public int UnackedCount
    {
        get
        {
            lock (_lock)
            {
                return _unacked.Count;
            }
        }
    }

    public void OnEnabled(string? resumeId, string jid)
    {
        lock (_lock)
        {
            ResumeId = resumeId;
            ResumeJid = jid;
            _inbound = 0;
            _outbound = 0;
            _unacked.Clear();
        }
    }

    public void CountInbound()
    {
        lock (_lock)
        {
            _inbound++;
        }
    }

    public void TrackOutbound(string xml)
    {
        lock (_lock)
        {
            _outbound++;
            _unacked.Enqueue((_outbound, xml));
            while (_unacked.Count > MaxUnacked)
            {
                _unacked.Dequeue();
                GivenUp++;
            }
        }
    }

    /// <summary>The server handled everything up to <paramref name="h"/>.</summary>
    public void Ack(uint h)
    {
        lock (_lock)
        {
            while (_unacked.TryPeek(out var head) && (int)(h - head.Seq) >= 0)
            {
                _unacked.Dequeue();
            }
        }
    }

    /// <summary>After &lt;resumed h/&gt;: drops what the server got and returns the rest, to be sent (and tracked) again.</summary>
    public string[] TakeUnsentAfterResume(uint h)
    {
        lock (_lock)
        {
            while (_unacked.TryPeek(out var head) && (int)(h - head.Seq) >= 0)
            {
                _unacked.Dequeue();
            }
            string[] rest = [.. _unacked.Select(u => u.Xml)];
            _unacked.Clear();
            _outbound = h;
            return rest;
        }
    }

    /// <summary>Do not resume the current session: the server would replay the stanza that broke it.</summary>
    public void ForgetSession()
    {
        lock (_lock)
        {
            ResumeId = null;
        }
    }

    /// <summary>Starting a new session (resumption failed or was not tried). Returns what it may not have delivered, to send on the new one.</summary>
    public string[] Reset()
    {
        lock (_lock)
        {
            string[] rest = [.. _unacked.Select(u => u.Xml)];
            _unacked.Clear();
            _inbound = 0;
            _outbound = 0;
            ResumeId = null;
            return rest;
        }
    }
}
