import Core
import Foundation
import Wire

/// Shared pieces of the passkey and key tests: temporary folders, cheap Argon2id, ceremonies.
enum PasskeyTestSupport {
    /// The cheapest Argon2id libsodium allows: the file format is the same, the tests fast.
    static let cheap = Argon2id.Parameters.minimum
    static let rpID = "sotto.example"
    static let origin = "https://sotto.example"

    /// A new empty folder under the system's temporary folder.
    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-keys-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func passphrase(_ text: String) -> SecureBytes { SecureBytes(copying: Array(text.utf8)) }

    /// clientDataJSON for a ceremony of `type` ("webauthn.create" or "webauthn.get").
    static func clientDataJSON(type: String, challenge: [UInt8]) -> [UInt8] {
        Array(
            "{\"type\":\"\(type)\",\"challenge\":\"\(Base64URL.encode(challenge))\",\"origin\":\"\(origin)\"}".utf8)
    }

    /// A software authenticator over a new file in `folder`, with its credential made.
    static func registeredAuthenticator(
        in folder: String, passphrase: String = "correct horse battery staple"
    ) async throws -> (SoftwareAuthenticator, MadeCredential) {
        let authenticator = SoftwareAuthenticator(
            path: folder + "/passkey", passphrase: Self.passphrase(passphrase), parameters: cheap)
        let made = try await authenticator.makeCredential(
            CredentialRequest(
                rpID: rpID, userID: Array("user-1".utf8), userName: "alice",
                clientDataHash: HashFunction.sha256.hash(clientDataJSON(type: "webauthn.create", challenge: [1]))))
        return (authenticator, made)
    }
}
