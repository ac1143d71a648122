using System.Xml.Linq;

namespace CallBot.Signaling.Xmpp.Sasl;

/// <summary>
/// The SASL negotiation of RFC 6120 §6: pick the strongest mechanism both sides allow, then auth → challenge/response
/// → success (verified: SCRAM's server signature) or failure. The stream is the session's: it sends and reads here.
/// </summary>
internal static class SaslExchange
{
    /// <summary>Authenticates; returns the mechanism used. Throws <see cref="XmppAuthenticationException"/> on refusal.</summary>
    /// <param name="allowPlain">PLAIN may be used (only where the password cannot be read on the way).</param>
    public static async Task<string> RunAsync(XElement features, string userName, string password, bool allowPlain,
        Func<XElement, CancellationToken, Task> send, Func<CancellationToken, Task<XElement>> read, CancellationToken ct)
    {
        var offered = features.Element(XmppNamespaces.Sasl + "mechanisms")?.Elements(XmppNamespaces.Sasl + "mechanism")
            .Select(m => m.Value.Trim()).ToHashSet(StringComparer.Ordinal) ?? [];
        var mechanism = SaslMechanismSelector.Select(offered, userName, password, allowPlain)
            ?? throw new XmppAuthenticationException("invalid-mechanism",
                $"no usable SASL mechanism (server offers: {string.Join(' ', offered)}; PLAIN allowed: {allowPlain})");
        await send(new XElement(XmppNamespaces.Sasl + "auth", new XAttribute("mechanism", mechanism.Name),
            Convert.ToBase64String(mechanism.InitialResponse())), ct).ConfigureAwait(false);
        while (true)
        {
            var answer = await read(ct).ConfigureAwait(false);
            if (answer.Name == XmppNamespaces.Sasl + "challenge")
            {
                if (!TryBase64(answer.Value, out byte[] challenge) || !mechanism.TryRespond(challenge, out byte[] response, out _))
                {
                    await send(new XElement(XmppNamespaces.Sasl + "abort"), ct).ConfigureAwait(false);
                    throw new XmppAuthenticationException("aborted", $"{mechanism.Name}: bad challenge from server");
                }
                await send(new XElement(XmppNamespaces.Sasl + "response", Convert.ToBase64String(response)), ct).ConfigureAwait(false);
            }
            else if (answer.Name == XmppNamespaces.Sasl + "success")
            {
                if (!TryBase64(answer.Value, out byte[] data) || !mechanism.TryVerifySuccess(data, out _))
                {
                    throw new XmppAuthenticationException("server-not-verified", $"{mechanism.Name}: server failed mutual authentication");
                }
                return mechanism.Name;
            }
            else if (answer.Name == XmppNamespaces.Sasl + "failure")
            {
                string condition = answer.Elements().FirstOrDefault(e => e.Name.LocalName != "text")?.Name.LocalName ?? "failure";
                string? text = answer.Element(XmppNamespaces.Sasl + "text")?.Value;
                throw new XmppAuthenticationException(condition,
                    $"SASL {mechanism.Name} failed: {condition}{(text is null ? string.Empty : " (" + text + ")")}");
            }
            else
            {
                throw new XmppStreamException("unexpected element during SASL: " + answer.Name);
            }
        }
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        text = text.Trim();
        if (text is "" or "=")
        {
            bytes = [];
            return true;
        }
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
