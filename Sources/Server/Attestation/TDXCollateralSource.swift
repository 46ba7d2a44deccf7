import AsyncHTTPClient
import Foundation
import NIOCore
import SwiftASN1
import Wire
import X509

/// Where a TDX guest gets Intel's collateral for its quotes: a file the operator keeps current,
/// or a PCCS (Intel's provisioning certificate caching service, or Intel's PCS itself where it
/// serves the same paths), asked at most every `refreshInterval` and cached in the data folder.
/// The server only passes the collateral on; clients verify every part of it themselves.
public actor TDXCollateralSource {
    public enum Origin: Sendable {
        /// Read from this file (dcap-qvl's JSON) at each use.
        case file(URL)
        /// Fetched from the PCCS at this base URL (`https://host:port`), cached in this folder.
        case pccs(baseURL: String, cacheFolder: URL)
    }

    let origin: Origin
    let refreshInterval: TimeInterval
    private var fetched: [String: (collateral: [UInt8], at: Date)] = [:]

    public init(_ origin: Origin, refreshInterval: TimeInterval = 6 * 3_600) {
        self.origin = origin
        self.refreshInterval = refreshInterval
    }

    /// The current collateral for the platform `quote` comes from, checked to read as
    /// collateral (its signatures are the client's to check).
    /// - Throws: `AttestationProviderError` `.unavailable` when it cannot be read or fetched and
    ///   no current cached copy exists, `.malformed` when what came is not collateral.
    public func current(for quote: [UInt8], now: Date = Date()) async throws -> [UInt8] {
        switch origin {
        case .file(let url):
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw AttestationProviderError(
                    .unavailable,
                    "cannot read the TDX collateral file \(url.path); check that it exists and is readable")
            }
            return try Self.checked(Array(data), from: url.path)
        case .pccs(let base, let folder):
            let (fmspc, ca) = try Self.platform(of: quote)
            if let cached = fetched[fmspc], now.timeIntervalSince(cached.at) < refreshInterval {
                return cached.collateral
            }
            let file = folder.appendingPathComponent("tdx-collateral-\(fmspc).json")
            let collateral: [UInt8]
            do {
                collateral = try Self.checked(
                    try await Self.fetch(base: base, fmspc: fmspc, ca: ca), from: "the PCCS at \(base)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(collateral).write(to: file, options: .atomic)
            } catch {
                // The PCCS unreachable: the cached copy, while its TCB info is current, beats none.
                guard let data = FileManager.default.contents(atPath: file.path),
                    let cached = try? TDXCollateral(json: Array(data)),
                    let next = try? Date.ISO8601FormatStyle().parse(cached.tcbInfo.nextUpdate), next > now
                else { throw error }
                return Array(data)
            }
            fetched[fmspc] = (collateral, now)
            return collateral
        }
    }

    /// The FMSPC (upper-case hex) and PCK CA ("platform" or "processor") of the quote's PCK
    /// certificate.
    static func platform(of bytes: [UInt8]) throws -> (fmspc: String, ca: String) {
        do {
            let quote = try TDXQuote(bytes: bytes)
            let documents = try PEMDocument.parseMultiple(pemString: quote.pckChainPEM)
            guard documents.count >= 2 else { throw TDXError(.certificateParse, "the PCK chain is short") }
            let pck = try Certificate(derEncoded: documents[0].derBytes)
            let issuer = try Certificate(derEncoded: documents[1].derBytes)
            let fmspc = Hex.encode(try PCKCertificateExtensions(certificate: pck).fmspc).uppercased()
            return (fmspc, issuer.subject.description.contains("Processor CA") ? "processor" : "platform")
        } catch let error as TDXError {
            throw AttestationProviderError(.malformed, "the TEE's quote does not name its platform: \(error.message)")
        } catch {
            throw AttestationProviderError(
                .malformed, "the TEE's quote does not name its platform: its PCK chain cannot be read")
        }
    }

    private static func checked(_ bytes: [UInt8], from origin: String) throws -> [UInt8] {
        do {
            _ = try TDXCollateral(json: bytes)
        } catch {
            throw AttestationProviderError(.malformed, "the TDX collateral from \(origin): \(error.message)")
        }
        return bytes
    }

    /// Asks the PCCS for the four parts and writes them as dcap-qvl's JSON object.
    static func fetch(base: String, fmspc: String, ca: String) async throws -> [UInt8] {
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        let tcb = try await get("\(root)/tdx/certification/v4/tcb?fmspc=\(fmspc)")
        let identity = try await get("\(root)/tdx/certification/v4/qe/identity")
        let pckCRL = try await get("\(root)/sgx/certification/v4/pckcrl?ca=\(ca)&encoding=der")
        let rootCRL = try await get("\(root)/sgx/certification/v4/rootcacrl")
        guard let tcbInfo = RawJSON.member("tcbInfo", of: tcb.body),
            let tcbSignature = RawJSON.stringMember("signature", of: tcb.body),
            let qeIdentity = RawJSON.member("enclaveIdentity", of: identity.body),
            let qeSignature = RawJSON.stringMember("signature", of: identity.body)
        else {
            throw AttestationProviderError(
                .malformed, "the PCCS's TCB info or QE identity is not the JSON Intel's PCS serves")
        }
        let object: [String: String] = [
            "tcb_info_issuer_chain": try tcb.header("TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"),
            "tcb_info": String(decoding: tcbInfo, as: UTF8.self), "tcb_info_signature": tcbSignature,
            "qe_identity_issuer_chain": try identity.header("SGX-Enclave-Identity-Issuer-Chain"),
            "qe_identity": String(decoding: qeIdentity, as: UTF8.self), "qe_identity_signature": qeSignature,
            "pck_crl_issuer_chain": try pckCRL.header("SGX-PCK-CRL-Issuer-Chain"),
            "pck_crl": Hex.encode(try der(pckCRL.body)), "root_ca_crl": Hex.encode(try der(rootCRL.body)),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(object))
    }

    /// A CRL as DER, whether it came as DER, hexadecimal text or PEM.
    static func der(_ body: [UInt8]) throws -> [UInt8] {
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN"), let document = try? PEMDocument(pemString: text) { return document.derBytes }
        if !text.isEmpty, text.utf8.allSatisfy({ $0 < 0x80 && ($0 as UInt8).isHexDigit }),
            let bytes = try? Hex.decode(text.lowercased())
        {
            return bytes
        }
        return body
    }

    struct Answer {
        let body: [UInt8]
        let headers: [String: String]

        /// The first of `names` present, URL-decoded (PCCS sends PEM chains percent-encoded).
        func header(_ names: String...) throws -> String {
            for name in names {
                if let value = headers[name.lowercased()] { return value.removingPercentEncoding ?? value }
            }
            throw AttestationProviderError(.malformed, "the PCCS's answer lacks the \(names[0]) header")
        }
    }

    static func get(_ url: String) async throws -> Answer {
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        } catch {
            throw AttestationProviderError(.unavailable, "cannot reach the PCCS for \(url)")
        }
        guard response.status.code == 200 else {
            throw AttestationProviderError(.unavailable, "the PCCS answered HTTP \(response.status.code) for \(url)")
        }
        var headers = [String: String]()
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(body: Array(buffer: try await response.body.collect(upTo: 1 << 20)), headers: headers)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

/// Reads a top-level member of a JSON object as the exact bytes it has in the text: Intel signs
/// the TCB info and QE identity as they appear inside PCS's answer, so they must not be decoded
/// and written again.
enum RawJSON {
    /// The raw text of `key`'s value in the top-level object `text`, or nil.
    static func member(_ key: String, of text: [UInt8]) -> ArraySlice<UInt8>? {
        var index = 0
        func skipSpace() { while index < text.count, [0x20, 0x09, 0x0A, 0x0D].contains(text[index]) { index += 1 } }
        /// Past a string starting at `index` (on its quote); false when it does not end.
        func skipString() -> Bool {
            index += 1
            while index < text.count {
                if text[index] == 0x5C {
                    index += 2
                } else if text[index] == 0x22 {
                    index += 1
                    return true
                } else {
                    index += 1
                }
            }
            return false
        }
        func skipValue() -> Bool {
            guard index < text.count else { return false }
            if text[index] == 0x22 { return skipString() }
            var depth = 0
            while index < text.count {
                switch text[index] {
                case 0x22: if !skipString() { return false }; continue
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    if depth == 0 { return true }
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                case 0x2C: if depth == 0 { return true }
                default: break
                }
                index += 1
            }
            return depth == 0
        }
        skipSpace()
        guard index < text.count, text[index] == 0x7B else { return nil }
        index += 1
        while true {
            skipSpace()
            guard index < text.count, text[index] == 0x22 else { return nil }
            let keyStart = index
            guard skipString() else { return nil }
            let name = try? JSONDecoder().decode(String.self, from: Data(text[keyStart..<index]))
            skipSpace()
            guard index < text.count, text[index] == 0x3A else { return nil }
            index += 1
            skipSpace()
            let valueStart = index
            guard skipValue() else { return nil }
            var valueEnd = index
            while valueEnd > valueStart, [0x20, 0x09, 0x0A, 0x0D].contains(text[valueEnd - 1]) { valueEnd -= 1 }
            if name == key { return text[valueStart..<valueEnd] }
            skipSpace()
            guard index < text.count, text[index] == 0x2C else { return nil }
            index += 1
        }
    }

    /// `key`'s value when it is a string, decoded.
    static func stringMember(_ key: String, of text: [UInt8]) -> String? {
        member(key, of: text).flatMap { try? JSONDecoder().decode(String.self, from: Data($0)) }
    }
}
