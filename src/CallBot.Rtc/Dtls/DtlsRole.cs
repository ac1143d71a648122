namespace CallBot.Rtc.Dtls;

/// <summary>
/// Which end of the DTLS handshake this endpoint plays. In SDP terms (RFC 5763 §5, RFC 8842):
/// <c>a=setup:active</c> is the client, <c>a=setup:passive</c> the server; the answerer to an
/// <c>actpass</c> offer chooses (browsers answer <c>active</c>).
/// </summary>
public enum DtlsRole
{
    Client,
    Server,
}
