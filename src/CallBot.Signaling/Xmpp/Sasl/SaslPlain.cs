using System.Text;

namespace CallBot.Signaling.Xmpp.Sasl;

/// <summary>RFC 4616: <c>[authzid] NUL authcid NUL passwd</c>. What the ConnectyCube cloud accepts.</summary>
internal sealed class SaslPlain(string userName, string password) : ISaslMechanism
{
    public const string MechanismName = "PLAIN";

    public string Name => MechanismName;

    public byte[] InitialResponse() => Encoding.UTF8.GetBytes("\0" + userName + "\0" + password);

    public bool TryRespond(ReadOnlySpan<byte> challenge, out byte[] response, out string? error)
    {
        response = [];
        error = "PLAIN has no challenges";
        return false;
    }

    public bool TryVerifySuccess(ReadOnlySpan<byte> additionalData, out string? error)
    {
        error = null;
        return true;
    }
}
