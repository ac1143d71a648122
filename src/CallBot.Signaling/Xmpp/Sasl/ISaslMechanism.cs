namespace CallBot.Signaling.Xmpp.Sasl;

/// <summary>One client side of a SASL exchange (RFC 6120 §6). Payloads are raw bytes; the caller does base64.</summary>
internal interface ISaslMechanism
{
    string Name { get; }

    /// <summary>The initial response sent inside <c>&lt;auth/&gt;</c>.</summary>
    byte[] InitialResponse();

    /// <summary>Answers a <c>&lt;challenge/&gt;</c>; false when the challenge is invalid.</summary>
    bool TryRespond(ReadOnlySpan<byte> challenge, out byte[] response, out string? error);

    /// <summary>Checks the additional data of <c>&lt;success/&gt;</c> (SCRAM's server signature).</summary>
    bool TryVerifySuccess(ReadOnlySpan<byte> additionalData, out string? error);
}
