namespace CallBot.TestSupport.ConnectyCube;

/// <summary>One XMPP frame as the SDK wrote (<see cref="Outgoing"/>) or read it, from its <c>xmppDataWrite/Read</c> hooks.</summary>
public sealed record SdkStanza(bool Outgoing, double TimeMs, string Xml)
{
    /// <summary>True for call-signaling messages (<c>moduleIdentifier</c> WebRTCVideoChat).</summary>
    public bool IsCallSignal => Xml.Contains("<moduleIdentifier>WebRTCVideoChat</moduleIdentifier>", StringComparison.Ordinal);

    /// <summary>The <c>signalType</c> text of a call signal, or null.</summary>
    public string? SignalType
    {
        get
        {
            const string Open = "<signalType>";
            int start = Xml.IndexOf(Open, StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            start += Open.Length;
            int end = Xml.IndexOf('<', start);
            return end < 0 ? null : Xml[start..end];
        }
    }
}
