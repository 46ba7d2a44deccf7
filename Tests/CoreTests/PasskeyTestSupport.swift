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

    /// A registration and an authentication through one authenticator, each accepted by Wire's
    /// verifiers with user verification required.
    struct VerifiedCeremonies {
        let made: MadeCredential
        let registration: VerifiedRegistration
        let assertion: Assertion
        let authentication: VerifiedAuthentication
    }

    /// Registers "alice" (user handle "user-1") with `authenticator`, signs in with the new
    /// credential and the root PRF input, and verifies both ceremonies as the server would.
    static func verifiedCeremonies(_ authenticator: some Authenticator) async throws -> VerifiedCeremonies {
        let relyingParty = RelyingParty(id: rpID)
        let createChallenge = SecureRandom.bytes(32)
        let createJSON = clientDataJSON(type: "webauthn.create", challenge: createChallenge)
        let made = try await authenticator.makeCredential(
            CredentialRequest(
                rpID: rpID, userID: Array("user-1".utf8), userName: "alice",
                clientDataHash: HashFunction.sha256.hash(createJSON)))
        let registration = try RegistrationVerifier(relyingParty: relyingParty, requireUserVerification: true)
            .verify(clientDataJSON: createJSON, attestationObject: made.attestationObject, challenge: createChallenge)
        let getChallenge = SecureRandom.bytes(32)
        let getJSON = clientDataJSON(type: "webauthn.get", challenge: getChallenge)
        let assertion = try await authenticator.getAssertion(
            AssertionRequest(
                rpID: rpID, clientDataHash: HashFunction.sha256.hash(getJSON),
                allowedCredentialIDs: [made.credentialID],
                prf: KeyHierarchy.prfInputs))
        let authentication = try AuthenticationVerifier(relyingParty: relyingParty, requireUserVerification: true)
            .verify(
                clientDataJSON: getJSON, authenticatorData: assertion.authenticatorData, signature: assertion.signature,
                challenge: getChallenge, publicKey: registration.publicKey, storedSignCount: registration.signCount)
        return VerifiedCeremonies(
            made: made, registration: registration, assertion: assertion, authentication: authentication)
    }
}
