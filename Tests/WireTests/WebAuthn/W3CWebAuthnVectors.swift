import Foundation
import TestSupport
import Testing
import Wire

/// The W3C WebAuthn Level 3 test vectors (`Tests/Fixtures/vectors/webauthn`): one example per
/// credential type and attestation format, each a registration and an authentication for RP ID
/// example.org, plus the PRF ↔ hmac-secret mapping and the attestation root certificate.
struct W3CWebAuthnVectors: Sendable {
    static let path = "vectors/webauthn/w3c-webauthn-l3-test-vectors.json"
    static let rpID = "example.org"
    static let origin = "https://example.org"
    static let topOrigin = "https://example.com"

    /// One ceremony's fields, hex-decoded on access.
    struct Ceremony: Sendable {
        let fields: [String: String]

        func bytes(_ name: String) throws -> [UInt8] {
            guard let hex = fields[name] else { throw FixtureError(path: "\(W3CWebAuthnVectors.path): \(name)") }
            return try Hex.decode(hex)
        }

        func has(_ name: String) -> Bool { fields[name] != nil }
    }

    /// A named example ("sctn-test-vectors-packed-es256").
    struct Example: Sendable, CustomTestStringConvertible {
        let name: String
        let registration: Ceremony
        let authentication: Ceremony
        var testDescription: String { name }

        /// The attestation statement format from the example's name.
        var format: String {
            for known in ["none", "packed", "tpm", "android-key", "apple", "fido-u2f"]
            where name.hasPrefix("sctn-test-vectors-\(known)-") {
                return known
            }
            return "unknown"
        }

        /// The examples whose clientDataJSON says crossOrigin true.
        var isCrossOrigin: Bool { name.contains("crossOrigin") || name.contains("topOrigin") }
    }

    let examples: [Example]
    let attestationRoot: [UInt8]
    /// The PRF example's blocks ("shared_inputs", "single_input_pin_protocol_2", ...).
    let prf: [String: [String: String]]

    static let shared: Result<W3CWebAuthnVectors, any Error> = Result { try load() }

    static func get() throws -> W3CWebAuthnVectors { try shared.get() }

    private static func load() throws -> W3CWebAuthnVectors {
        let root = try JSONSerialization.jsonObject(with: Fixtures.data(path)) as? [String: Any]
        guard let root, root["rp_id"] as? String == rpID, let all = root["examples"] as? [String: Any] else {
            throw FixtureError(path: path)
        }
        var examples = [Example]()
        for (name, value) in all.sorted(by: { $0.key < $1.key }) {
            guard let value = value as? [String: Any],
                let registration = value["registration"] as? [String: String],
                let authentication = value["authentication"] as? [String: String]
            else { continue }
            examples.append(
                Example(
                    name: name, registration: Ceremony(fields: registration),
                    authentication: Ceremony(fields: authentication)))
        }
        let block = (all["sctn-test-vectors-attestation-root-cert"] as? [String: Any])?["block1"] as? [String: String]
        guard let rootHex = block?["attestation_ca_cert"],
            let prfExample = all["test-vectors-extensions-prf-ctap"] as? [String: Any]
        else { throw FixtureError(path: path) }
        let prf = prfExample.compactMapValues { $0 as? [String: String] }
        return W3CWebAuthnVectors(examples: examples, attestationRoot: try Hex.decode(rootHex), prf: prf)
    }

    func example(_ suffix: String) throws -> Example {
        guard let found = examples.first(where: { $0.name == "sctn-test-vectors-\(suffix)" }) else {
            throw FixtureError(path: "\(Self.path): \(suffix)")
        }
        return found
    }

    /// The relying party every example is for; cross-origin examples ran in a frame under example.com.
    static func relyingParty(for example: Example) -> RelyingParty {
        example.isCrossOrigin
            ? RelyingParty(id: rpID, allowsCrossOrigin: true, allowedTopOrigins: [topOrigin])
            : RelyingParty(id: rpID)
    }

    /// A fixed time inside the attestation certificates' validity (2024 to 3024).
    static let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
}
