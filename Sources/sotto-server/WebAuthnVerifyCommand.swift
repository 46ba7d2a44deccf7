import ArgumentParser
import Foundation
import Wire

/// `sotto-server dev webauthn-verify`: checks a registration or an authentication given as
/// WebAuthn's JSON serialisations, exactly as the server's account code does.
struct WebAuthnVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webauthn-verify",
        abstract: "Verify a WebAuthn registration or authentication offline.",
        discussion: """
            --options is the JSON the relying party sent (PublicKeyCredentialCreationOptionsJSON \
            or PublicKeyCredentialRequestOptionsJSON) and --response the credential JSON the \
            browser returned (RegistrationResponseJSON or AuthenticationResponseJSON, binary \
            fields in base64url); which ceremony it is follows from them. The RP ID defaults to \
            the options' rp.id or rpId, the origin to https:// and the RP ID. Attestation \
            formats none and packed are verified and their type reported. CBOR is read as \
            authenticators send it, in any well-formed encoding (map keys in any order); a \
            repeated key, bytes after an item, an indefinite length or deep nesting is refused, \
            and signatures are checked over the bytes as received.

            An authentication is checked against the credential's public key from its \
            registration: --credential-public-key names a file holding the COSE key (binary, or \
            the hex that a verified registration prints) or a PEM public key.

            Exit status 0 only when the response verifies; 1 when it is refused, with the error \
            code and the reason; 64 for unreadable input files.
            """
    )

    @Option(help: "The ceremony options JSON.", completion: .file())
    var options: String

    @Option(help: "The credential (response) JSON.", completion: .file())
    var response: String

    @Option(name: .customLong("rp-id"), help: "The RP ID (default: the options' rp.id or rpId).")
    var rpID: String?

    @Option(
        name: .customLong("origin"),
        help: ArgumentHelp("An allowed origin; repeat for several (default: https://<RP ID>).", valueName: "origin"))
    var origins: [String] = []

    @Option(
        help: "For an authentication: the credential public key, COSE (binary or hex) or PEM.", completion: .file())
    var credentialPublicKey: String?

    @Option(help: "For an authentication: the signature counter stored for the credential.")
    var storedSignCount: UInt32 = 0

    @Option(
        name: .customLong("at"),
        help: ArgumentHelp(
            "Verify as of this time, ISO 8601 (2026-01-31T12:00:00Z): attestation certificates must be valid then (default: now).",
            valueName: "time"))
    var verificationTime: String?

    func run() throws {
        let optionsBytes = try read(options, what: "options")
        let responseBytes = try read(response, what: "response")
        let keyBytes = try credentialPublicKey.map { try read($0, what: "credential public key") }
        let time = try verificationTime.map { text in
            guard let date = ISO8601DateFormatter().date(from: text) else {
                throw ValidationError("--at \(text) is not an ISO 8601 time such as 2026-01-31T12:00:00Z")
            }
            return date
        }
        let outcome: WebAuthnJSONVerifier.Outcome
        do throws(WebAuthnError) {
            let key = try keyBytes.map { bytes throws(WebAuthnError) in try Self.publicKey(fileContents: bytes) }
            let verifier = WebAuthnJSONVerifier(
                rpID: rpID, origins: origins.isEmpty ? nil : Set(origins), credentialPublicKey: key,
                storedSignCount: storedSignCount)
            outcome = try verifier.verify(options: optionsBytes, response: responseBytes, at: time ?? Date())
        } catch {
            print("REFUSED: \(error)")
            FileHandle.standardError.write(Data("refused: \(error.code.rawValue)\n".utf8))
            throw ExitCode(1)
        }
        print(Self.report(outcome).joined(separator: "\n"))
        if case .authentication(let verified, _, _, _) = outcome, verified.signCountCheck == .regressed {
            FileHandle.standardError.write(
                Data(
                    ("warning: the signature counter did not advance (stored \(storedSignCount), received "
                        + "\(verified.signCount)); the credential may have been cloned\n").utf8))
        }
    }

    /// The lines printed for a verified ceremony.
    static func report(_ outcome: WebAuthnJSONVerifier.Outcome) -> [String] {
        var lines = [String]()
        let key: COSEKey
        switch outcome {
        case .registration(let verified, let rpID):
            key = verified.publicKey
            let attestation = verified.attestation
            lines += [
                "VERIFIED: WebAuthn registration for RP ID \(rpID)",
                "credential id      \(Base64URL.encode(verified.credentialID))",
                "algorithm          \(key)",
                "sign count         \(verified.signCount)",
                "flags              \(verified.flags)",
                "aaguid             \(uuid(verified.aaguid))",
                "attestation        \(attestation.format), \(attestation.type) attestation, trust \(attestation.trust)",
            ]
        case .authentication(let verified, let credentialID, let publicKey, let rpID):
            key = publicKey
            lines += [
                "VERIFIED: WebAuthn authentication for RP ID \(rpID)",
                "credential id      \(Base64URL.encode(credentialID))",
                "algorithm          \(key)",
                "sign count         \(verified.signCount) (\(verified.signCountCheck))",
                "flags              \(verified.flags)",
            ]
        }
        lines.append("public key (COSE)  \(Hex.encode(key.encoded))")
        lines.append("public key (PEM)")
        lines += key.pemRepresentation.split(separator: "\n").map(String.init)
        return lines
    }

    /// A COSE key file (binary, or hex text) or a PEM public key.
    static func publicKey(fileContents bytes: [UInt8]) throws(WebAuthnError) -> COSEKey {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN") { return try COSEKey(pem: text) }
        if let hex = try? Hex.decode(text), !hex.isEmpty { return try COSEKey(cbor: hex) }
        return try COSEKey(cbor: bytes)
    }

    private static func uuid(_ bytes: [UInt8]) -> String {
        let hex = Hex.encode(bytes)
        guard bytes.count == 16 else { return hex }
        let cuts = [8, 12, 16, 20]
        var out = ""
        for (index, character) in hex.enumerated() {
            if cuts.contains(index) { out.append("-") }
            out.append(character)
        }
        return out
    }

    private func read(_ path: String, what: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the \(what) file \(path): no such file or not readable")
        }
        return Array(data)
    }
}
