using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Dtls;

namespace CallBot.Benchmarks.Dtls;

/// <summary>
/// One full DTLS 1.2 + use_srtp handshake between two CallBot endpoints over an in-memory datagram link
/// (ECDHE P-256 / X25519, ECDSA P-256 certificates, mutual authentication). Ops/s = handshakes per second;
/// both ends run in this process, so one handshake costs both sides' work.
/// </summary>
[MemoryDiagnoser]
public class DtlsHandshakeBenchmarks
{
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("bench-client");
    private static readonly DtlsCertificate ServerCertificate = DtlsCertificate.Generate("bench-server");

    [Benchmark(Description = "DTLS-SRTP handshake (client+server)")]
    public async Task<int> Handshake()
    {
        DtlsSrtpTransport? client = null;
        DtlsSrtpTransport? server = null;
        client = new DtlsSrtpTransport(
            new DtlsSrtpOptions { Role = DtlsRole.Client, Certificate = ClientCertificate, RemoteFingerprints = [ServerCertificate.Fingerprint] },
            datagram => server!.OnDatagram(datagram));
        server = new DtlsSrtpTransport(
            new DtlsSrtpOptions { Role = DtlsRole.Server, Certificate = ServerCertificate, RemoteFingerprints = [ClientCertificate.Fingerprint] },
            datagram => client.OnDatagram(datagram));
        await using (client)
        await using (server)
        {
            var results = await Task.WhenAll(client.HandshakeAsync(), server.HandshakeAsync());
            foreach (var result in results)
            {
                result.LocalContext.Dispose();
                result.RemoteContext.Dispose();
            }

            return results[0].Profile.ProtectionProfileId;
        }
    }
}
