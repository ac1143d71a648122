namespace CallBot.Rtc.Dtls;

/// <summary>Why a DTLS handshake did not complete.</summary>
public enum DtlsFailure
{
    /// <summary>No answer within the handshake timeout.</summary>
    Timeout,

    /// <summary>The peer's certificate does not match the SDP fingerprint: a security failure, never retried silently.</summary>
    FingerprintMismatch,

    /// <summary>No common SRTP protection profile, or a malformed use_srtp answer.</summary>
    NoSrtpProfile,

    /// <summary>The peer sent a fatal alert.</summary>
    AlertReceived,

    /// <summary>Any other protocol failure (bad message, unsupported parameters...).</summary>
    ProtocolError,

    /// <summary>The transport was disposed while the handshake ran.</summary>
    Closed,
}

/// <summary>The DTLS handshake failed; <see cref="Failure"/> says why.</summary>
public class DtlsHandshakeException : Exception
{
    public DtlsHandshakeException()
        : this(DtlsFailure.ProtocolError, "DTLS handshake failed.")
    {
    }

    public DtlsHandshakeException(string message)
        : this(DtlsFailure.ProtocolError, message)
    {
    }

    public DtlsHandshakeException(string message, Exception innerException)
        : this(DtlsFailure.ProtocolError, message, innerException)
    {
    }

    public DtlsHandshakeException(DtlsFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public DtlsFailure Failure { get; }
}

/// <summary>Security error: the peer presented a certificate whose fingerprint is not the one SDP announced.</summary>
public sealed class DtlsFingerprintMismatchException : DtlsHandshakeException
{
    public DtlsFingerprintMismatchException()
        : base(DtlsFailure.FingerprintMismatch, "Remote DTLS certificate does not match the SDP fingerprint.")
    {
    }

    public DtlsFingerprintMismatchException(string message)
        : base(DtlsFailure.FingerprintMismatch, message)
    {
    }

    public DtlsFingerprintMismatchException(string message, Exception innerException)
        : base(DtlsFailure.FingerprintMismatch, message, innerException)
    {
    }

    public DtlsFingerprintMismatchException(DtlsFingerprint actual, Exception? innerException = null)
        : base(DtlsFailure.FingerprintMismatch, $"Remote DTLS certificate fingerprint {actual} does not match the SDP fingerprint.", innerException)
    {
        Actual = actual;
    }

    /// <summary>The fingerprint of the certificate the peer presented.</summary>
    public DtlsFingerprint? Actual { get; }
}
