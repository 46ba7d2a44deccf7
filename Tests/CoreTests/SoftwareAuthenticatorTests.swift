import Core
import Foundation
import TestSupport
import Testing
import Wire

/// The software passkey behaves as a CTAP2 authenticator with hmac-secret: the W3C PRF
/// vectors, and ceremonies that Wire's WebAuthn verifiers accept.
@Suite struct SoftwareAuthenticatorTests {
    typealias Support = PasskeyTestSupport

    /// The W3C `test-vectors-extensions-prf-ctap` section, by block name.
    static func prfVectors() throws -> [String: [String: String]] {
        let root =
            try JSONSerialization.jsonObject(
                with: Fixtures.data("vectors/webauthn/w3c-webauthn-l3-test-vectors.json")) as? [String: Any]
        let examples = root?["examples"] as? [String: Any]
        let prf = try #require(examples?["test-vectors-extensions-prf-ctap"] as? [String: Any])
        return prf.compactMapValues { $0 as? [String: String] }
    }

    @Test func prfMatchesTheW3CVectorsThroughAFileRoundTrip() async throws {
        let vectors = try Self.prfVectors()
        let credRandom = try Hex.decode(try #require(vectors["shared_inputs"]?["authenticator_cred_random"]))
        // The vectors fix only CredRandom; any valid P-256 scalar will do for the signing key.
        let credential = try SoftwareCredential(
            credentialID: [UInt8](repeating: 0xc1, count: 32), rpID: Support.rpID, userID: [7], userName: "vectors",
            privateKey: SecureBytes(copying: [UInt8](repeating: 1, count: 32)),
            credRandom: SecureBytes(copying: credRandom))
        // The credential's own PRF evaluation, without the file.
        let direct = credential.evaluatePRF(PRFInputs(first: Array("WebAuthn PRF test vectors\u{02}".utf8)))
        #expect(Hex.encode(direct.first.unsafeCopyToArray()) == vectors["single_input_pin_protocol_1"]?["output1"])
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let passphrase = Support.passphrase("vectors")
        try SoftwarePasskeyFile.write(
            try SoftwarePasskeyFile.encode(credential, passphrase: passphrase, parameters: Support.cheap),
            to: folder + "/passkey")
        let authenticator = SoftwareAuthenticator(path: folder + "/passkey", passphrase: passphrase)
        var checked = 0
        for block in ["single_input_pin_protocol_2", "two_inputs_pin_protocol_2", "single_input_pin_protocol_1"] {
            let fields = try #require(vectors[block])
            let first = try Hex.decode(try #require(fields["prf_eval_first"]))
            let second = try fields["prf_eval_second"].map { try Hex.decode($0) }
            let assertion = try await authenticator.getAssertion(
                AssertionRequest(
                    rpID: Support.rpID, clientDataHash: [UInt8](repeating: 9, count: 32),
                    prf: PRFInputs(first: first, second: second)))
            let outputs = try #require(assertion.prf)
            #expect(Hex.encode(outputs.first.unsafeCopyToArray()) == fields["prf_results_first"], "\(block)")
            checked += 1
            if let expected = fields["prf_results_second"] {
                #expect(outputs.second.map { Hex.encode($0.unsafeCopyToArray()) } == expected, "\(block)")
                checked += 1
            } else {
                #expect(outputs.second == nil)
            }
        }
        #expect(checked == 4)
    }

    @Test func registrationAndAuthenticationVerifyWithWiresVerifiers() async throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let authenticator = SoftwareAuthenticator(
            path: folder + "/passkey", passphrase: Support.passphrase("pw"), parameters: Support.cheap)
        #expect(authenticator.kind == .softwarePasskey)
        #expect(authenticator.kind.label == "software passkey")
        let ceremonies = try await Support.verifiedCeremonies(authenticator)
        let (made, registration, assertion) = (ceremonies.made, ceremonies.registration, ceremonies.assertion)
        #expect(registration.credentialID == made.credentialID)
        #expect(registration.publicKey == made.publicKey)
        #expect(registration.publicKey.algorithm == .es256)
        #expect(registration.attestation.format == "none")
        #expect(registration.flags.contains([.userPresent, .userVerified]))
        #expect(registration.extensions?["hmac-secret"] == .bool(true))
        #expect(ceremonies.authentication.flags == [.userPresent, .userVerified])
        #expect(ceremonies.authentication.signCountCheck == .unused)
        #expect(assertion.userHandle == Array("user-1".utf8))
        #expect(assertion.prf?.first.count == 32)

        // A signature over other client data does not verify.
        let otherJSON = Support.clientDataJSON(type: "webauthn.get", challenge: [1, 2, 3])
        #expect(throws: WebAuthnError.self) {
            try AuthenticationVerifier(relyingParty: RelyingParty(id: Support.rpID)).verify(
                clientDataJSON: otherJSON, authenticatorData: assertion.authenticatorData,
                signature: assertion.signature, challenge: [1, 2, 3], publicKey: registration.publicKey)
        }
    }

    @Test func thePRFDependsOnTheInputAndIsStableAcrossAssertions() async throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (authenticator, _) = try await Support.registeredAuthenticator(in: folder)
        func prf(_ input: [UInt8], _ second: [UInt8]? = nil) async throws -> PRFOutputs {
            let assertion = try await authenticator.getAssertion(
                AssertionRequest(
                    rpID: Support.rpID, clientDataHash: [UInt8](repeating: 1, count: 32),
                    prf: PRFInputs(first: input, second: second)))
            return try #require(assertion.prf)
        }
        let a = try await prf(KeyHierarchy.rootPRFInput)
        let b = try await prf(KeyHierarchy.rootPRFInput, Array("other".utf8))
        #expect(a.first == b.first)
        #expect(b.second != nil && b.second != b.first)
        let none = try await authenticator.getAssertion(
            AssertionRequest(rpID: Support.rpID, clientDataHash: [UInt8](repeating: 1, count: 32)))
        #expect(none.prf == nil)
    }

    @Test func refusesAnotherRelyingPartyOrAnUnlistedCredential() async throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (authenticator, made) = try await Support.registeredAuthenticator(in: folder)
        let hash = [UInt8](repeating: 1, count: 32)
        let otherRP = await #expect(throws: PasskeyError.self) {
            try await authenticator.getAssertion(AssertionRequest(rpID: "evil.example", clientDataHash: hash))
        }
        #expect(otherRP?.code == .noCredential)
        let unlisted = await #expect(throws: PasskeyError.self) {
            try await authenticator.getAssertion(
                AssertionRequest(rpID: Support.rpID, clientDataHash: hash, allowedCredentialIDs: [[1, 2, 3]]))
        }
        #expect(unlisted?.code == .noCredential)
        _ = try await authenticator.getAssertion(
            AssertionRequest(rpID: Support.rpID, clientDataHash: hash, allowedCredentialIDs: [[1], made.credentialID]))
    }

    @Test func neverReplacesAnExistingPasskeyFile() async throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (authenticator, _) = try await Support.registeredAuthenticator(in: folder)
        let before = try Data(contentsOf: URL(fileURLWithPath: authenticator.path))
        let error = await #expect(throws: PasskeyError.self) {
            _ = try await Support.registeredAuthenticator(in: folder)
        }
        #expect(error?.code == .fileExists)
        #expect(try Data(contentsOf: URL(fileURLWithPath: authenticator.path)) == before)
        // Writing went through a temporary file; none is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["passkey"])
    }

    @Test func thePasskeyFileIsOwnerOnly() async throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (authenticator, _) = try await Support.registeredAuthenticator(in: folder + "/new/sub")
        let attributes = try FileManager.default.attributesOfItem(atPath: authenticator.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folderAttributes = try FileManager.default.attributesOfItem(atPath: folder + "/new/sub")
        #expect((folderAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func theDefaultFileIsInTheDataFolder() throws {
        let xdg = try DeviceFolders(dataDirectory: nil, environment: ["HOME": "/home/u"])
        #expect(SoftwareAuthenticator.defaultPath(in: xdg) == "/home/u/.local/share/sotto/passkey/software-passkey")
        let device = try DeviceFolders(dataDirectory: "/devices/a", environment: ["HOME": "/home/u"])
        #expect(SoftwareAuthenticator.defaultPath(in: device) == "/devices/a/passkey/software-passkey")
    }

    @Test func aMissingFileIsAClearError() async throws {
        let authenticator = SoftwareAuthenticator(
            path: "/nonexistent-sotto-folder/passkey", passphrase: Support.passphrase("pw"))
        let error = await #expect(throws: PasskeyError.self) {
            try await authenticator.getAssertion(
                AssertionRequest(rpID: Support.rpID, clientDataHash: [UInt8](repeating: 0, count: 32)))
        }
        #expect(error?.code == .fileMissing)
        #expect(error?.message.contains("--software-passkey") == true)
    }
}
