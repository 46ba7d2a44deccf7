import Foundation
import Testing
import Wire

@testable import Core

/// No secret reaches text: every value and error of the passkey and key code is formatted
/// every way Swift formats things, and none of the secrets' bytes appear, in any encoding.
@Suite struct SecretCanaryTests {
    typealias Support = PasskeyTestSupport

    /// The ways a value ends up in a log line or a crash report.
    static func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [
            String(describing: value), String(reflecting: value), dumped, "\(value)",
            (value as? any Error).map { "\($0.localizedDescription)" } ?? "",
        ]
    }

    /// Hex in both cases and base64 of `bytes`, and of their first 8 bytes (a partial leak).
    static func encodings(_ bytes: [UInt8]) -> [String] {
        let prefix = Array(bytes.prefix(8))
        return [bytes, prefix].flatMap { b in
            [Hex.encode(b), Hex.encode(b).uppercased(), Data(b).base64EncodedString(), Base64URL.encode(b)]
        }.filter { $0.count >= 8 }
    }

    @Test func noSecretAppearsInAnyValueOrError() async throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let passphraseText = "canary-passphrase-4b1d"
        let (authenticator, made) = try await Support.registeredAuthenticator(in: folder, passphrase: passphraseText)
        let assertion = try await authenticator.getAssertion(
            AssertionRequest(
                rpID: Support.rpID, clientDataHash: [UInt8](repeating: 3, count: 32),
                prf: PRFInputs(first: KeyHierarchy.rootPRFInput, second: [1])))
        let prf = try #require(assertion.prf)
        let credential = try SoftwarePasskeyFile.read(
            path: authenticator.path, passphrase: Support.passphrase(passphraseText))
        let kek = try KeyEncryptionKey(prfOutput: prf.first)
        let account = try AccountKeys.generate(accountID: "acct-canary")
        let wrapped = try account.wrap(under: kek)
        let recoveryKey = RecoveryKey.generate()
        let recoveryKEK = try KeyEncryptionKey(recoveryKey: recoveryKey)
        let recordKey = try account.recordKey(kind: "chat", recordID: "r1")
        let passphrase = try PassphraseSource(.environment).read(environment: ["SOTTO_PASSPHRASE": passphraseText])

        // Errors from every failure path, with the secrets at hand when each was made.
        var errors: [any Error] = []
        func collect(_ body: () throws -> Void) {
            do { try body() } catch { errors.append(error) }
        }
        let fileBytes = try Array(Data(contentsOf: URL(fileURLWithPath: authenticator.path)))
        collect { _ = try SoftwarePasskeyFile.decode(fileBytes, passphrase: Support.passphrase("wrong")) }
        collect { _ = try SoftwarePasskeyFile.decode(Array(fileBytes.dropLast()), passphrase: passphrase) }
        var flipped = fileBytes
        flipped[flipped.count - 1] ^= 1
        collect { _ = try SoftwarePasskeyFile.decode(flipped, passphrase: passphrase) }
        collect { _ = try AccountKeys.unwrap(wrapped, with: recoveryKEK, accountID: "acct-canary") }
        collect { _ = try AccountKeys.unwrap(wrapped, with: kek, accountID: "other") }
        var typed = Array(recoveryKey.revealedText())
        typed[0] = typed[0] == "A" ? "B" : "A"
        collect { _ = try RecoveryKey(parsing: String(typed)) }
        collect { _ = try RecoveryKey(parsing: String(recoveryKey.revealedText().dropLast())) }
        collect { _ = try RecoveryKey(parsing: recoveryKey.revealedText() + "!") }
        collect { _ = try PassphraseSource(.environment).read(environment: [:]) }
        do {
            _ = try await authenticator.getAssertion(AssertionRequest(rpID: "other.example", clientDataHash: [0]))
        } catch { errors.append(error) }
        #expect(errors.count == 10)

        let secrets: [[UInt8]] = [
            prf.first.unsafeCopyToArray(), try #require(prf.second).unsafeCopyToArray(), kek.key.unsafeCopyToArray(),
            recoveryKEK.key.unsafeCopyToArray(), account.rootKey.unsafeCopyToArray(), recordKey.unsafeCopyToArray(),
            credential.privateKey.unsafeCopyToArray(), credential.credRandom.unsafeCopyToArray(),
            recoveryKey.secret.unsafeCopyToArray(),
        ]
        let recoveryText = recoveryKey.revealedText()
        var canaries = secrets.flatMap(Self.encodings) + [passphraseText]
        canaries += [recoveryText, recoveryText.replacingOccurrences(of: "-", with: "")]
        canaries += [String(recoveryText.prefix(9))]  // the first two groups

        let values: [Any] =
            [
                authenticator, made, assertion, prf, prf.first, credential, kek, recoveryKEK, account, wrapped,
                recoveryKey, recordKey, passphrase, PassphraseSource(.environment), PasskeyKind.softwarePasskey,
            ] + errors
        var checked = 0
        for value in values {
            for text in Self.renderings(value) {
                for canary in canaries {
                    #expect(!text.contains(canary), "\(type(of: value)) shows a secret")
                }
                checked += 1
            }
        }
        #expect(checked == values.count * 5)
    }
}
