import Core
import Foundation
import Testing
import Wire

/// The software passkey file: round trips, and every kind of damage gives its own clear error.
@Suite struct SoftwarePasskeyFileTests {
    typealias Support = PasskeyTestSupport

    static let passphrase = Support.passphrase("tr0ub4dor&3")

    static func sample() throws -> (SoftwareCredential, [UInt8]) {
        let credential = try SoftwareCredential.generate(
            rpID: Support.rpID, userID: Array("user-42".utf8), userName: "Zoë")
        let bytes = try SoftwarePasskeyFile.encode(credential, passphrase: passphrase, parameters: Support.cheap)
        return (credential, bytes)
    }

    static func prf(_ credential: SoftwareCredential) -> SecureBytes {
        credential.evaluatePRF(KeyHierarchy.prfInputs).first
    }

    @Test func roundTripKeepsEveryField() throws {
        let (credential, bytes) = try Self.sample()
        #expect(Array(bytes.prefix(8)) == Array("SOTTOPK\n".utf8))
        #expect(bytes[8] == 0 && bytes[9] == 1)
        let opened = try SoftwarePasskeyFile.decode(bytes, passphrase: Self.passphrase)
        #expect(opened.credentialID == credential.credentialID)
        #expect(opened.rpID == credential.rpID)
        #expect(opened.userID == credential.userID)
        #expect(opened.userName == "Zoë")
        #expect(try opened.publicKey == credential.publicKey)
        #expect(Self.prf(opened) == Self.prf(credential))
        // A fresh salt and nonce every time: the same credential never gives the same bytes.
        #expect(
            try SoftwarePasskeyFile.encode(credential, passphrase: Self.passphrase, parameters: Support.cheap) != bytes)
    }

    @Test func theDefaultCostRoundTrips() throws {
        let (credential, _) = try Self.sample()
        let bytes = try SoftwarePasskeyFile.encode(credential, passphrase: Self.passphrase)
        // Passes and memory (KiB) as stored in the header.
        #expect(Array(bytes[12..<20]) == [0, 0, 0, 3, 0, 1, 0, 0])
        #expect(Self.prf(try SoftwarePasskeyFile.decode(bytes, passphrase: Self.passphrase)) == Self.prf(credential))
    }

    @Test func aWrongPassphraseIsItsOwnError() throws {
        let (_, bytes) = try Self.sample()
        for wrong in ["tr0ub4dor&4", "", "tr0ub4dor&3 ", "TR0UB4DOR&3"] {
            let error = #expect(throws: PasskeyError.self) {
                try SoftwarePasskeyFile.decode(bytes, passphrase: Support.passphrase(wrong))
            }
            #expect(error?.code == .wrongPassphrase, "\(wrong.count)-byte passphrase")
        }
    }

    @Test func anEmptyPassphraseIsRefusedWhenWriting() throws {
        let (credential, _) = try Self.sample()
        let error = #expect(throws: PasskeyError.self) {
            try SoftwarePasskeyFile.encode(credential, passphrase: SecureBytes(zeroed: 0), parameters: Support.cheap)
        }
        #expect(error?.code == .passphraseMissing)
        let tooCheap = #expect(throws: PasskeyError.self) {
            try SoftwarePasskeyFile.encode(
                credential, passphrase: Self.passphrase,
                parameters: Argon2id.Parameters(iterations: 0, memoryBytes: 8192))
        }
        #expect(tooCheap?.code == .invalidRequest)
    }

    @Test func everyTruncationIsACorruptFile() throws {
        let (_, bytes) = try Self.sample()
        for length in 0..<bytes.count {
            let error = #expect(throws: PasskeyError.self) {
                try SoftwarePasskeyFile.decode(Array(bytes.prefix(length)), passphrase: Self.passphrase)
            }
            #expect(error?.code == .fileCorrupt, "truncated to \(length) bytes")
        }
        let longer = #expect(throws: PasskeyError.self) {
            try SoftwarePasskeyFile.decode(bytes + [0], passphrase: Self.passphrase)
        }
        #expect(longer?.code == .fileCorrupt)
    }

    @Test func everyBitFlipIsCaught() throws {
        let (_, bytes) = try Self.sample()
        var codes = [PasskeyErrorCode: Int]()
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= 1 << bit
                // The cap keeps a flipped cost field from making this test allocate gigabytes.
                let error = #expect(throws: PasskeyError.self) {
                    try SoftwarePasskeyFile.decode(damaged, passphrase: Self.passphrase, maximumCost: Support.cheap)
                }
                if let code = error?.code { codes[code, default: 0] += 1 }
                // A flipped version byte reads as a newer format; everything else as damage.
                let expected: PasskeyErrorCode =
                    index == 8 || (index == 9 && bit >= 1) ? .fileVersionUnsupported : .fileCorrupt
                #expect(error?.code == expected, "byte \(index) bit \(bit)")
            }
        }
        #expect(codes[.wrongPassphrase] == nil)
    }

    @Test func aFileAskingForTooMuchWorkIsRefusedUnopened() throws {
        let (credential, _) = try Self.sample()
        let bytes = try SoftwarePasskeyFile.encode(
            credential, passphrase: Self.passphrase,
            parameters: Argon2id.Parameters(iterations: 2, memoryBytes: 64 << 10))
        let error = #expect(throws: PasskeyError.self) {
            try SoftwarePasskeyFile.decode(bytes, passphrase: Self.passphrase, maximumCost: Support.cheap)
        }
        #expect(error?.code == .fileCorrupt)
        #expect(error?.message.contains("Argon2id cost") == true)
    }

    @Test func damageOnDiskNamesTheFile() throws {
        let folder = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/passkey"
        let (_, bytes) = try Self.sample()
        try SoftwarePasskeyFile.write(Array(bytes.prefix(50)), to: path)
        let error = #expect(throws: PasskeyError.self) {
            try SoftwarePasskeyFile.read(path: path, passphrase: Self.passphrase)
        }
        #expect(error?.code == .fileCorrupt)
        #expect(error?.message.contains(path) == true)
        // Replacing is explicit, and leaves a readable file.
        try SoftwarePasskeyFile.write(bytes, to: path, replaceExisting: true)
        _ = try SoftwarePasskeyFile.read(path: path, passphrase: Self.passphrase)
        try Data(repeating: 0x41, count: SoftwarePasskeyFile.maximumByteCount + 1).write(to: URL(fileURLWithPath: path))
        let huge = #expect(throws: PasskeyError.self) {
            try SoftwarePasskeyFile.read(path: path, passphrase: Self.passphrase)
        }
        #expect(huge?.code == .fileCorrupt)
    }

    @Test func theSameFileOnAnotherMachineUnwrapsTheSameRootKey() async throws {
        let machineA = try Support.temporaryFolder()
        let machineB = try Support.temporaryFolder()
        defer {
            try? FileManager.default.removeItem(atPath: machineA)
            try? FileManager.default.removeItem(atPath: machineB)
        }
        let (authenticatorA, made) = try await Support.registeredAuthenticator(in: machineA, passphrase: "same")
        let request = AssertionRequest(
            rpID: Support.rpID, clientDataHash: [UInt8](repeating: 5, count: 32),
            allowedCredentialIDs: [made.credentialID], prf: KeyHierarchy.prfInputs)
        let assertionA = try await authenticatorA.getAssertion(request)
        let prfA = try #require(assertionA.prf?.first)
        let account = try AccountKeys.generate(accountID: "acct-1")
        let wrapped = try account.wrap(under: KeyEncryptionKey(prfOutput: prfA)).serialized

        // Machine B: a copy of the file in another folder, the same passphrase typed again.
        try FileManager.default.copyItem(atPath: authenticatorA.path, toPath: machineB + "/carried-passkey")
        let authenticatorB = SoftwareAuthenticator(
            path: machineB + "/carried-passkey", passphrase: Support.passphrase("same"))
        let assertionB = try await authenticatorB.getAssertion(request)
        let prfB = try #require(assertionB.prf?.first)
        #expect(prfB == prfA)
        let unlocked = try AccountKeys.unwrap(
            WrappedRootKey(serialized: wrapped), with: KeyEncryptionKey(prfOutput: prfB), accountID: "acct-1")
        #expect(unlocked.hasSameRootKey(as: account))
    }
}
