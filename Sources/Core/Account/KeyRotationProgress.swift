import Foundation
import Wire

/// How far this device got with a root key rotation, `<data>/key-rotation.json` (owner-only,
/// replaced atomically): which root is new (wrapped under the device passkey's KEK, as the
/// server also holds it) and the step reached. Running `sotto keys rotate` again continues from
/// it; what is left to seal again is read from the cache itself. Holds no secret.
public struct KeyRotationProgress: Codable, Sendable, Hashable {
    /// The steps of a rotation, in order.
    public enum Step: String, Codable, Sendable, Hashable {
        /// The new root is stored on the server; records are being sealed again under it.
        case staged
        /// Every record and deletion is sealed under the new root; the wrapped copies are next.
        case sealed
    }

    /// The format this build writes.
    public static let currentVersion = 1

    public var version: Int
    public var accountID: AccountID
    /// The rotating passkey (base64url): this device's.
    public var credentialID: String
    /// The new root wrapped under that passkey's KEK (the serialised `WrappedRootKey`).
    public var wrappedRootKey: Base64Bytes
    /// The record key id (32 hex digits) of the new root.
    public var keyID: String
    public var step: Step

    public init(accountID: AccountID, credentialID: String, wrappedRootKey: Base64Bytes, keyID: String, step: Step) {
        self.version = Self.currentVersion
        self.accountID = accountID
        self.credentialID = credentialID
        self.wrappedRootKey = wrappedRootKey
        self.keyID = keyID
        self.step = step
    }

    enum CodingKeys: String, CodingKey {
        case version
        case accountID = "account_id"
        case credentialID = "credential_id"
        case wrappedRootKey = "wrapped_root_key"
        case keyID = "key_id"
        case step
    }
}

/// The progress file of a data folder.
public struct KeyRotationProgressFile: Sendable {
    /// The file.
    public let path: String

    /// The progress file of the device whose data folder is `dataFolder`.
    public init(dataFolder: String) {
        path = dataFolder + "/key-rotation.json"
    }

    /// The progress, or nil when no rotation is under way here.
    /// - Throws: `AccountError` `.rotationProgressCorrupt`, `.stateAccess`.
    public func load() throws -> KeyRotationProgress? {
        let bytes: [UInt8]?
        do throws(PrivateFile.Failure) {
            bytes = try PrivateFile.read(path, maximumByteCount: 64 * 1024)
        } catch {
            throw AccountError(.stateAccess, "cannot read the key rotation file \(path); check its permissions")
        }
        guard let bytes else { return nil }
        guard let progress = try? JSONDecoder().decode(KeyRotationProgress.self, from: Data(bytes)),
            progress.version <= KeyRotationProgress.currentVersion
        else {
            throw AccountError(
                .rotationProgressCorrupt,
                "the key rotation file \(path) cannot be used; move it away and run `sotto keys rotate` again (the server keeps the new key)"
            )
        }
        return progress
    }

    /// Writes `progress`, replacing the previous one.
    public func save(_ progress: KeyRotationProgress) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(progress)) + [UInt8(ascii: "\n")]
        do throws(PrivateFile.Failure) {
            try PrivateFile.write(bytes, to: path, replaceExisting: true)
        } catch {
            throw AccountError(.stateAccess, "cannot write the key rotation file \(path); check the data folder")
        }
    }

    /// Deletes the file once the rotation is done.
    public func remove() throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw AccountError(.stateAccess, "cannot delete the key rotation file \(path); check the data folder")
        }
    }
}
