namespace CallBot.Rtc.Sdp;

/// <summary>
/// <c>o=&lt;username&gt; &lt;sess-id&gt; &lt;sess-version&gt; &lt;nettype&gt; &lt;addrtype&gt; &lt;unicast-address&gt;</c> (RFC 8866 §5.2).
/// Ids stay text: browsers send 19-digit numbers and some stacks send more.
/// </summary>
public sealed record SdpOrigin(string UserName, string SessionId, string SessionVersion, string NetType, string AddressType, string Address)
{
    private const int FieldCount = 6;

    /// <summary>The JSEP default: <c>- &lt;id&gt; &lt;version&gt; IN IP4 127.0.0.1</c> (RFC 8829 §5.2.1).</summary>
    public static SdpOrigin Create(ulong sessionId, ulong sessionVersion) =>
        new("-", sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            sessionVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), "IN", "IP4", "127.0.0.1");

    public static bool TryParse(string value, out SdpOrigin origin)
    {
        origin = null!;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != FieldCount)
        {
            return false;
        }

        origin = new SdpOrigin(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
        return true;
    }

    public override string ToString() => $"{UserName} {SessionId} {SessionVersion} {NetType} {AddressType} {Address}";
}
