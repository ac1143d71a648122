using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CallBot.Rtc.Dtls;

/// <summary>
/// A certificate fingerprint as SDP carries it (RFC 8122 §5): <c>a=fingerprint:sha-256 AB:CD:...</c>.
/// The value of this type is the part after <c>a=fingerprint:</c>.
/// </summary>
public sealed class DtlsFingerprint : IEquatable<DtlsFingerprint>
{
    private readonly byte[] _digest;

    private DtlsFingerprint(string algorithm, byte[] digest)
    {
        Algorithm = algorithm;
        _digest = digest;
    }

    /// <summary>Hash function name in SDP spelling, lower case: sha-256, sha-384 or sha-512 (sha-1 is refused, RFC 8827 §6.5).</summary>
    public string Algorithm { get; }

    public ReadOnlySpan<byte> Digest => _digest;

    /// <summary>Fingerprint of a DER certificate with the given hash (default sha-256, what browsers send).</summary>
    public static DtlsFingerprint Compute(ReadOnlySpan<byte> certificateDer, string algorithm = "sha-256")
    {
        var normalized = algorithm.ToLowerInvariant();
        var hash = normalized switch
        {
            "sha-256" => SHA256.HashData(certificateDer),
            "sha-384" => SHA384.HashData(certificateDer),
            "sha-512" => SHA512.HashData(certificateDer),
            _ => throw new ArgumentException($"Unsupported fingerprint hash '{algorithm}'.", nameof(algorithm)),
        };
        return new DtlsFingerprint(normalized, hash);
    }

    /// <summary>Parses <c>sha-256 AB:CD:...</c> (the a=fingerprint value). Never throws.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out DtlsFingerprint? fingerprint)
    {
        fingerprint = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var parts = value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return false;
        }

        var algorithm = parts[0].ToLowerInvariant();
        var expectedLength = algorithm switch
        {
            "sha-256" => 32,
            "sha-384" => 48,
            "sha-512" => 64,
            _ => 0,
        };
        if (expectedLength == 0)
        {
            return false;
        }

        var hex = parts[1];
        if (hex.Length != (expectedLength * 3) - 1)
        {
            return false;
        }

        var bytes = new byte[expectedLength];
        for (var i = 0; i < expectedLength; i++)
        {
            var at = i * 3;
            if (i > 0 && hex[at - 1] != ':')
            {
                return false;
            }

            if (!byte.TryParse(hex.AsSpan(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        fingerprint = new DtlsFingerprint(algorithm, bytes);
        return true;
    }

    public static DtlsFingerprint Parse(string value) =>
        TryParse(value, out var fingerprint) ? fingerprint : throw new FormatException("Not an SDP fingerprint ('sha-256 AB:CD:...').");

    /// <summary>True when the DER certificate hashes to this fingerprint (constant-time compare).</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer) =>
        CryptographicOperations.FixedTimeEquals(Compute(certificateDer, Algorithm)._digest, _digest);

    /// <summary><c>sha-256 AB:CD:...</c>, upper-case hex as browsers write it.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(Algorithm.Length + 1 + (_digest.Length * 3));
        builder.Append(Algorithm).Append(' ');
        for (var i = 0; i < _digest.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(':');
            }

            builder.Append(_digest[i].ToString("X2", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    public bool Equals(DtlsFingerprint? other) =>
        other is not null && Algorithm == other.Algorithm && _digest.AsSpan().SequenceEqual(other._digest);

    public override bool Equals(object? obj) => Equals(obj as DtlsFingerprint);

    public override int GetHashCode() => HashCode.Combine(Algorithm, _digest.Length > 0 ? _digest[0] : 0, _digest.Length > 1 ? _digest[1] : 0);
}
