import Foundation

/// Real WebAuthn ceremonies from relying-party libraries' test suites
/// (`Tests/Fixtures/vectors/webauthn/rp-library-samples.json`, sources in PROVENANCE.md), as the
/// JSON that `sotto-server dev webauthn-verify` reads. Binary fields stay base64url text, so a
/// test can swap one for a tampered copy.
public struct RelyingPartyLibrarySample: Sendable, CustomStringConvertible {
    public static let path = "vectors/webauthn/rp-library-samples.json"

    public let name: String
    public let rpID: String
    public let origin: String
    /// The attestation object's map keys as the authenticator ordered them.
    public let keyOrder: [String]
    /// A time at which the sample's attestation certificates were valid (most are valid now).
    public let verifyAt: Date?
    let registration: Data
    let authentication: Data?

    public var description: String { name }

    /// Whether the attestation object's keys are out of canonical order (fmt, attStmt, authData).
    public var reordersAttestationObject: Bool { keyOrder != ["fmt", "attStmt", "authData"] }
    public var hasAuthentication: Bool { authentication != nil }

    /// `verifyAt` as ISO 8601 text.
    public var verifyAtText: String? { verifyAt.map { ISO8601DateFormatter().string(from: $0) } }

    /// Every sample in the fixture.
    public static func all() throws -> [RelyingPartyLibrarySample] {
        let root = try JSONSerialization.jsonObject(with: Fixtures.data(path)) as? [String: Any]
        guard let samples = root?["samples"] as? [[String: Any]], !samples.isEmpty else {
            throw FixtureError(path: path)
        }
        return try samples.map { sample in
            guard let name = sample["name"] as? String, let rpID = sample["rpId"] as? String,
                let origin = sample["origin"] as? String, let order = sample["attestationObjectKeyOrder"] as? [String],
                let registration = sample["registration"]
            else { throw FixtureError(path: path + " (a sample lacks a field)") }
            return RelyingPartyLibrarySample(
                name: name, rpID: rpID, origin: origin, keyOrder: order,
                verifyAt: (sample["verifyAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) },
                registration: try JSONSerialization.data(withJSONObject: registration),
                authentication: try sample["authentication"].map { try JSONSerialization.data(withJSONObject: $0) })
        }
    }

    /// The named sample.
    public static func named(_ name: String) throws -> RelyingPartyLibrarySample {
        guard let sample = try all().first(where: { $0.name == name }) else {
            throw FixtureError(path: path + " (\(name))")
        }
        return sample
    }

    /// The registration's creation options JSON.
    public func registrationOptions() throws -> Data { try part(registration, "options") }

    /// The registration response JSON, its `response` members replaced by `replacing` (base64url).
    public func registrationResponse(replacing: [String: String] = [:]) throws -> Data {
        try response(registration, replacing: replacing)
    }

    /// A registration response member as received, base64url ("attestationObject", "clientDataJSON").
    public func registrationField(_ field: String) throws -> String { try member(registration, field) }

    /// The authentication's request options JSON.
    public func authenticationOptions() throws -> Data {
        guard let authentication else { throw FixtureError(path: Self.path + " (\(name) has no authentication)") }
        return try part(authentication, "options")
    }

    /// The authentication response JSON, its `response` members replaced by `replacing`.
    public func authenticationResponse(replacing: [String: String] = [:]) throws -> Data {
        guard let authentication else { throw FixtureError(path: Self.path + " (\(name) has no authentication)") }
        return try response(authentication, replacing: replacing)
    }

    /// An authentication response member, base64url ("authenticatorData", "signature").
    public func authenticationField(_ field: String) throws -> String {
        guard let authentication else { throw FixtureError(path: Self.path + " (\(name) has no authentication)") }
        return try member(authentication, field)
    }

    private func object(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError(path: Self.path + " (\(name))")
        }
        return object
    }

    private func part(_ ceremony: Data, _ key: String) throws -> Data {
        guard let value = try object(ceremony)[key] else { throw FixtureError(path: Self.path + " (\(name).\(key))") }
        return try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
    }

    private func member(_ ceremony: Data, _ field: String) throws -> String {
        let response = try object(ceremony)["response"] as? [String: Any]
        guard let value = (response?["response"] as? [String: Any])?[field] as? String else {
            throw FixtureError(path: Self.path + " (\(name).\(field))")
        }
        return value
    }

    private func response(_ ceremony: Data, replacing: [String: String]) throws -> Data {
        guard var response = try object(ceremony)["response"] as? [String: Any],
            var members = response["response"] as? [String: Any]
        else { throw FixtureError(path: Self.path + " (\(name).response)") }
        for (key, value) in replacing { members[key] = value }
        response["response"] = members
        return try JSONSerialization.data(withJSONObject: response, options: [.sortedKeys])
    }
}
