import Foundation
import Wire

/// The account state file of a data folder, `<data>/account.json`: owner-only (0600) and
/// replaced atomically, so a crash leaves the old state or the new one.
public struct AccountStateFile: Sendable {
    /// The largest file read; a state is well under 4 KiB.
    static let maximumByteCount = 64 * 1024

    /// The file.
    public let path: String

    /// The state file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The state file of the device whose data folder is `dataFolder`.
    public init(dataFolder: String) {
        self.path = dataFolder + "/account.json"
    }

    /// The state, or nil when the device has none.
    /// - Throws: `AccountError` `.stateAccess`, `.stateCorrupt`, `.stateVersion`.
    public func load() throws -> AccountState? {
        let bytes: [UInt8]?
        do throws(PrivateFile.Failure) {
            bytes = try PrivateFile.read(path, maximumByteCount: Self.maximumByteCount)
        } catch {
            if case .failed(_, EFBIG) = error {
                throw corrupt("it is larger than an account file can be")
            }
            throw AccountError(.stateAccess, "cannot read the account file \(path); check its permissions")
        }
        guard let bytes else { return nil }
        struct Versioned: Decodable { let version: Int }
        guard let versioned = try? JSONDecoder().decode(Versioned.self, from: Data(bytes)) else {
            throw corrupt("it is not an account file (no JSON object with a version)")
        }
        guard versioned.version <= AccountState.currentVersion else {
            throw AccountError(
                .stateVersion,
                "the account file \(path) has format version \(versioned.version); this Sotto reads version \(AccountState.currentVersion). Update Sotto."
            )
        }
        do {
            return try JSONDecoder().decode(AccountState.self, from: Data(bytes))
        } catch {
            throw corrupt("its fields are missing or of the wrong type")
        }
    }

    /// Writes `state`, replacing the previous one.
    /// - Throws: `AccountError` `.stateAccess`.
    public func save(_ state: AccountState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(state)) + [UInt8(ascii: "\n")]
        do throws(PrivateFile.Failure) {
            try PrivateFile.write(bytes, to: path, replaceExisting: true)
        } catch {
            if let refusal = FileSystemError.describing(error, path: path) { throw refusal }
            throw AccountError(.stateAccess, "cannot write the account file \(path); check the data folder")
        }
    }

    /// Deletes the file; nothing happens when there is none.
    /// - Throws: `AccountError` `.stateAccess`.
    public func remove() throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw AccountError(.stateAccess, "cannot delete the account file \(path); check the data folder")
        }
    }

    private func corrupt(_ why: String) -> AccountError {
        AccountError(
            .stateCorrupt,
            "the account file \(path) cannot be used: \(why). Move it away and run `sotto login` to set this device up again."
        )
    }
}
