import Foundation
import Wire

extension Argon2id.Parameters {
    /// The cost of new software passkey files: 3 passes over 64 MiB (RFC 9106 §4's second
    /// recommended setting, with libsodium's single lane). About a quarter of a second on a
    /// laptop: paid once per unlock, and by an attacker once per guess.
    public static let softwarePasskey = Argon2id.Parameters(iterations: 3, memoryBytes: 64 << 20)
    /// The highest cost a software passkey file may ask for: a damaged or hostile file must
    /// not make an unlock allocate gigabytes or run for minutes.
    public static let softwarePasskeyMaximum = Argon2id.Parameters(iterations: 16, memoryBytes: 1 << 30)
}

/// The software passkey file, format version 1 (docs/SECURITY.md, "The software passkey
/// file"): a fixed 96-byte header, then the credential sealed with XChaCha20-Poly1305 under
/// a key from Argon2id(passphrase).
///
/// A header checksum tells a damaged header from a wrong passphrase, and a passphrase check
/// value tells a wrong passphrase from a damaged ciphertext, so each failure gets its own
/// error. The check value gives an attacker nothing the AEAD tag would not.
public enum SoftwarePasskeyFile {
    /// "SOTTOPK" and a newline (which a text-mode copy would mangle).
    public static let magic: [UInt8] = Array("SOTTOPK\n".utf8)
    /// The version this build writes and reads.
    public static let version: UInt16 = 1
    /// Length of the header, which is the AEAD's associated data.
    public static let headerByteCount = 96
    /// The largest file accepted; the largest credential (a 1024-byte user name) takes under 2 KiB.
    public static let maximumByteCount = 4096

    private static let kdfArgon2id13: UInt8 = 1
    private static let aeadXChaCha20Poly1305: UInt8 = 1
    private static let keyInfo = Array("sotto/passkey-file/key/v1".utf8)
    private static let checkInfo = Array("sotto/passkey-file/check/v1".utf8)
    private static let checkByteCount = 16
    private static let checksumByteCount = 16

    // MARK: Bytes

    /// The file's bytes for `credential`, sealed under `passphrase`.
    public static func encode(
        _ credential: SoftwareCredential, passphrase: SecureBytes, parameters: Argon2id.Parameters = .softwarePasskey
    ) throws -> [UInt8] {
        guard passphrase.count > 0 else {
            throw PasskeyError(.passphraseMissing, "a software passkey needs a passphrase; an empty one is refused")
        }
        let minimum = Argon2id.Parameters.minimum
        guard parameters.iterations >= minimum.iterations, parameters.memoryBytes >= minimum.memoryBytes else {
            throw PasskeyError(.invalidRequest, "Argon2id costs below libsodium's minimum are refused")
        }
        let memoryKiB = parameters.memoryBytes / 1024
        guard parameters.memoryBytes % 1024 == 0, parameters.iterations <= UInt64(UInt32.max),
            memoryKiB <= Int(UInt32.max)
        else {
            throw PasskeyError(.invalidRequest, "Argon2id memory must be whole KiB and both costs must fit 32 bits")
        }
        let salt = SecureRandom.bytes(Argon2id.saltByteCount)
        let nonce = SecureRandom.bytes(AEAD.xChaCha20Poly1305.nonceByteCount)
        let (key, check) = try deriveKeys(passphrase: passphrase, salt: salt, parameters: parameters)
        let payload = try encodePayload(credential)
        var header = magic
        append(UInt32(version), width: 2, to: &header)
        header += [kdfArgon2id13, aeadXChaCha20Poly1305]
        append(UInt32(parameters.iterations), width: 4, to: &header)
        append(UInt32(memoryKiB), width: 4, to: &header)
        header += salt + nonce + check
        append(UInt32(payload.count + AEAD.tagByteCount), width: 4, to: &header)
        header += HashFunction.sha256.hash(header).prefix(checksumByteCount)
        precondition(header.count == headerByteCount)
        return header + (try AEAD.xChaCha20Poly1305.seal(key: key, nonce: nonce, plaintext: payload, ad: header))
    }

    /// The credential in a file's `bytes`, opened with `passphrase`.
    /// - Parameter maximumCost: the highest Argon2id cost to spend; a file asking for more is
    ///   refused as damaged.
    /// - Throws: `PasskeyError` `.wrongPassphrase`, `.fileCorrupt` (also for truncation and
    ///   trailing bytes) or `.fileVersionUnsupported`.
    public static func decode(
        _ bytes: [UInt8], passphrase: SecureBytes, maximumCost: Argon2id.Parameters = .softwarePasskeyMaximum
    ) throws -> SoftwareCredential {
        guard bytes.count >= magic.count + 2, Array(bytes[0..<magic.count]) == magic else {
            throw corrupt("it is not a Sotto software passkey file (its first bytes are wrong)")
        }
        let fileVersion = UInt16(bytes[8]) << 8 | UInt16(bytes[9])
        guard fileVersion <= version else {
            throw PasskeyError(
                .fileVersionUnsupported,
                "the software passkey file has format version \(fileVersion); this Sotto reads version \(version). Update Sotto."
            )
        }
        guard bytes.count >= headerByteCount else {
            throw corrupt("it is truncated (\(bytes.count) bytes, shorter than its \(headerByteCount)-byte header)")
        }
        let header = Array(bytes[0..<headerByteCount])
        let checksumStart = headerByteCount - checksumByteCount
        guard
            ConstantTime.equals(
                HashFunction.sha256.hash(header[0..<checksumStart]).prefix(checksumByteCount), header[checksumStart...])
        else {
            throw corrupt("its header is damaged (the header checksum does not match)")
        }
        guard fileVersion == version, header[10] == kdfArgon2id13, header[11] == aeadXChaCha20Poly1305 else {
            throw corrupt("its header names a key derivation or cipher this version does not use")
        }
        let iterations = UInt64(readUInt32(header, at: 12))
        let memoryBytes = Int(readUInt32(header, at: 16)) * 1024
        let parameters = Argon2id.Parameters(iterations: iterations, memoryBytes: memoryBytes)
        let minimum = Argon2id.Parameters.minimum
        guard iterations >= minimum.iterations, memoryBytes >= minimum.memoryBytes,
            iterations <= maximumCost.iterations, memoryBytes <= maximumCost.memoryBytes
        else {
            throw corrupt(
                "it asks for Argon2id cost \(iterations) passes × \(memoryBytes >> 10) KiB, outside what Sotto accepts")
        }
        let salt = Array(header[20..<36])
        let nonce = Array(header[36..<60])
        let storedCheck = Array(header[60..<76])
        let ciphertextLength = Int(readUInt32(header, at: 76))
        let ciphertext = bytes[headerByteCount...]
        guard ciphertext.count == ciphertextLength else {
            let what = ciphertext.count < ciphertextLength ? "truncated" : "followed by unexpected bytes"
            throw corrupt(
                "it is \(what) (\(ciphertext.count) bytes of sealed credential, \(ciphertextLength) expected)")
        }
        let (key, check) = try deriveKeys(passphrase: passphrase, salt: salt, parameters: parameters)
        guard ConstantTime.equals(check, storedCheck) else {
            throw PasskeyError(
                .wrongPassphrase,
                "the passphrase does not open this software passkey; check SOTTO_PASSPHRASE or the passphrase file")
        }
        let payload: SecureBytes
        do {
            payload = try AEAD.xChaCha20Poly1305.openSecret(key: key, nonce: nonce, ciphertext: ciphertext, ad: header)
        } catch {
            throw corrupt("its sealed credential is damaged (authentication failed)")
        }
        return try decodePayload(payload)
    }

    // MARK: Files

    /// Reads and opens the software passkey file at `path`.
    /// - Throws: `PasskeyError` `.fileMissing`, `.fileAccess`, or `decode`'s errors.
    public static func read(
        path: String, passphrase: SecureBytes, maximumCost: Argon2id.Parameters = .softwarePasskeyMaximum
    ) throws -> SoftwareCredential {
        let bytes: [UInt8]?
        do throws(PrivateFile.Failure) {
            bytes = try PrivateFile.read(path, maximumByteCount: maximumByteCount)
        } catch {
            if case .failed(let operation, EFBIG) = error, operation.hasPrefix("read") {
                throw PasskeyError(.fileCorrupt, "\(path) is too large to be a software passkey file")
            }
            throw PasskeyError(.fileAccess, "cannot read the software passkey file \(path); check its permissions")
        }
        guard let bytes else {
            throw PasskeyError(
                .fileMissing, "there is no software passkey file at \(path); pass --software-passkey FILE or register")
        }
        do {
            return try decode(bytes, passphrase: passphrase, maximumCost: maximumCost)
        } catch let error as PasskeyError where error.code == .fileCorrupt {
            throw PasskeyError(.fileCorrupt, "\(path): \(error.message)")
        }
    }

    /// Writes a new software passkey file at `path` (mode 0600, atomically), never over an
    /// existing one unless `replaceExisting` (a passphrase change).
    /// - Throws: `PasskeyError` `.fileExists` or `.fileAccess`.
    public static func write(_ bytes: [UInt8], to path: String, replaceExisting: Bool = false) throws {
        do throws(PrivateFile.Failure) {
            try PrivateFile.write(bytes, to: path, replaceExisting: replaceExisting)
        } catch .exists {
            throw PasskeyError(
                .fileExists,
                "a software passkey file already exists at \(path); it was left untouched (choose another file)")
        } catch {
            throw PasskeyError(.fileAccess, "cannot write the software passkey file \(path); check the folder")
        }
    }

    // MARK: Parts

    private static func corrupt(_ what: String) -> PasskeyError {
        PasskeyError(
            .fileCorrupt, "the software passkey file cannot be used: \(what). Restore it from a backup.")
    }

    private static func deriveKeys(
        passphrase: SecureBytes, salt: [UInt8], parameters: Argon2id.Parameters
    ) throws -> (key: SecureBytes, check: [UInt8]) {
        let master: SecureBytes
        do {
            master = try Argon2id.deriveKey(password: passphrase, salt: salt, length: 32, parameters: parameters)
        } catch {
            throw PasskeyError(
                .fileAccess, "Argon2id could not run with \(parameters.memoryBytes >> 20) MiB; free some memory")
        }
        let key = try HKDF.deriveKey(.sha256, ikm: master, salt: [UInt8](), info: keyInfo, length: 32)
        let check = try HKDF.deriveKey(.sha256, ikm: master, salt: [UInt8](), info: checkInfo, length: checkByteCount)
        return (key, check.unsafeCopyToArray())
    }

    /// private key (32) ‖ CredRandom (32) ‖ u8 id length ‖ id ‖ u8 user handle length ‖
    /// handle ‖ u16 RP ID length ‖ RP ID ‖ u16 user name length ‖ user name.
    private static func encodePayload(_ credential: SoftwareCredential) throws -> SecureBytes {
        let rp = Array(credential.rpID.utf8)
        let name = Array(credential.userName.utf8)
        let publicPart =
            [UInt8(credential.credentialID.count)] + credential.credentialID + [UInt8(credential.userID.count)]
            + credential.userID + [UInt8(rp.count >> 8), UInt8(rp.count & 0xff)] + rp
            + [UInt8(name.count >> 8), UInt8(name.count & 0xff)] + name
        let secretCount = 2 * SoftwareCredential.secretByteCount
        return SecureBytes(count: secretCount + publicPart.count) { out in
            credential.privateKey.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 32) }
            credential.credRandom.withUnsafeBytes {
                (out.baseAddress! + 32).copyMemory(from: $0.baseAddress!, byteCount: 32)
            }
            publicPart.withUnsafeBytes {
                (out.baseAddress! + secretCount).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
            }
        }
    }

    private static func decodePayload(_ payload: SecureBytes) throws -> SoftwareCredential {
        let secretCount = 2 * SoftwareCredential.secretByteCount
        let bad = corrupt("its credential record is malformed")
        guard payload.count > secretCount else { throw bad }
        let publicPart = payload.withUnsafeBytes { Array($0[secretCount...]) }
        var offset = 0
        func take(_ count: Int) throws -> [UInt8] {
            guard count >= 0, offset + count <= publicPart.count else { throw bad }
            defer { offset += count }
            return Array(publicPart[offset..<offset + count])
        }
        let credentialID = try take(Int(take(1)[0]))
        let userID = try take(Int(take(1)[0]))
        let rpLength = try take(2)
        let rp = try take(Int(rpLength[0]) << 8 | Int(rpLength[1]))
        let nameLength = try take(2)
        let name = try take(Int(nameLength[0]) << 8 | Int(nameLength[1]))
        guard offset == publicPart.count, let rpID = String(validating: rp, as: UTF8.self),
            let userName = String(validating: name, as: UTF8.self)
        else { throw bad }
        do {
            return try SoftwareCredential(
                credentialID: credentialID, rpID: rpID, userID: userID, userName: userName,
                privateKey: payload.slice(0..<32), credRandom: payload.slice(32..<64))
        } catch {
            throw bad
        }
    }

    private static func append(_ value: UInt32, width: Int, to bytes: inout [UInt8]) {
        for i in stride(from: width - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i)))
        }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
