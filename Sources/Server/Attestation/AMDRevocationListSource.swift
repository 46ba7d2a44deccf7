import AsyncHTTPClient
import Foundation
import NIOCore
import Wire

/// Where the server gets AMD's revocation list (CRL) for the chain it serves: a file the
/// operator keeps current, or AMD KDS (`/vcek/v1/{product}/crl`) with a copy cached in the data
/// folder. The server only passes the list on; clients verify it under the ARK themselves.
public actor AMDRevocationListSource {
    /// How the list is obtained.
    public enum Origin: Sendable {
        /// Read from this file (DER or PEM) at each use.
        case file(URL)
        /// Fetched from AMD KDS and cached in this folder, one file per product.
        case kds(cacheFolder: URL)
    }

    let origin: Origin
    /// How long a fetched list is served before KDS is asked again.
    let refreshInterval: TimeInterval
    private var fetched: [SEVSNPProduct: (list: [UInt8], at: Date)] = [:]

    /// The AMD KDS address of a product's revocation list.
    public static func kdsURL(for product: SEVSNPProduct) -> String {
        "https://kdsintf.amd.com/vcek/v1/\(product.name)/crl"
    }

    public init(_ origin: Origin, refreshInterval: TimeInterval = 12 * 3_600) {
        self.origin = origin
        self.refreshInterval = refreshInterval
    }

    /// The current list for `product`, checked to be a well-formed AMD CRL.
    /// - Throws: `AttestationProviderError` `.unavailable` when it cannot be read or fetched,
    ///   `.malformed` when it is not a CRL.
    public func current(for product: SEVSNPProduct, now: Date = Date()) async throws -> [UInt8] {
        switch origin {
        case .file(let url):
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw AttestationProviderError(.unavailable, "cannot read the AMD revocation list \(url.path)")
            }
            return try Self.checked(Array(data), from: url.path)
        case .kds(let folder):
            if let cached = fetched[product], now.timeIntervalSince(cached.at) < refreshInterval {
                return cached.list
            }
            let file = folder.appendingPathComponent("\(product.name).crl")
            let list: [UInt8]
            do {
                list = try Self.checked(try await Self.fetch(Self.kdsURL(for: product)), from: "AMD KDS")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(list).write(to: file, options: .atomic)
            } catch {
                // KDS unreachable: the cached copy, while it is still current, beats none.
                guard let data = FileManager.default.contents(atPath: file.path),
                    let cached = try? AMDRevocationList(derOrPEM: Array(data)),
                    cached.nextUpdate.map({ $0 > now }) ?? true
                else { throw error }
                return Array(data)
            }
            fetched[product] = (list, now)
            return list
        }
    }

    private static func checked(_ bytes: [UInt8], from origin: String) throws -> [UInt8] {
        do {
            _ = try AMDRevocationList(derOrPEM: bytes)
        } catch {
            throw AttestationProviderError(.malformed, "the AMD revocation list from \(origin): \(error.message)")
        }
        return bytes
    }

    private static func fetch(_ url: String) async throws -> [UInt8] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        guard response.status.code == 200 else {
            throw AttestationProviderError(.unavailable, "AMD KDS answered HTTP \(response.status.code) for \(url)")
        }
        return Array(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}

/// An attestation provider that hands clients AMD's revocation list with the evidence, so they
/// can refuse a revoked VCEK or ASK. The product is read from the evidence's own VCEK.
public struct RevocationListAttachingProvider: AttestationProvider {
    let base: any AttestationProvider
    let source: AMDRevocationListSource

    public init(_ base: any AttestationProvider, source: AMDRevocationListSource) {
        self.base = base
        self.source = source
    }

    public var platform: AttestationPlatform { base.platform }
    public var isSimulated: Bool { base.isSimulated }

    /// The base provider's evidence with the current list attached.
    /// - Throws: the base provider's errors, or the source's when the list cannot be had: a
    ///   server configured to serve the list does not quietly serve evidence without it.
    public func evidence(reportData: [UInt8]) async throws -> AttestationEvidence {
        var evidence = try await base.evidence(reportData: reportData)
        guard let leaf = evidence.certificates.first,
            let certificate = try? AMDCertificate(derEncoded: leaf.bytes),
            let product = (try? AMDEndorsementExtensions(certificate: certificate)).flatMap({
                SEVSNPProduct(productName: $0.productName)
            })
        else {
            throw AttestationProviderError(.malformed, "the evidence's VCEK does not name a known product")
        }
        evidence.crl = Base64Bytes(try await source.current(for: product))
        return evidence
    }
}
