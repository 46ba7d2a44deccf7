import Wire

/// The account's recovery key: 256 random bits that derive their own KEK, which wraps the
/// same root key as the passkeys. Shown once, in `RecoveryKeyEncoding`'s human-friendly form;
/// prints as redacted otherwise.
public struct RecoveryKey: Sendable {
    /// Length of the key.
    public static let byteCount = 32
    let secret: SecureBytes

    /// A new recovery key from the CSPRNG.
    public static func generate() -> RecoveryKey {
        RecoveryKey(secret: SecureBytes.random(count: byteCount))
    }

    private init(secret: SecureBytes) {
        self.secret = secret
    }

    /// Reads a typed recovery key, forgiving case, dashes, spaces and look-alike characters.
    /// - Throws: `KeyError` `.recoveryKeyLength`, `.recoveryKeyCharacter` or
    ///   `.recoveryKeyMistyped`, naming the position of the bad character, never the character.
    public init(parsing text: String) throws {
        let secret = SecureBytes(zeroed: Self.byteCount)
        let problem = secret.withUnsafeMutableBytes { RecoveryKeyEncoding.decode(text, into: $0) }
        if let problem { throw Self.error(for: problem) }
        self.secret = secret
    }

    /// What is wrong with `text`, or nil when it is a valid recovery key.
    public static func problem(in text: String) -> RecoveryKeyEncoding.Problem? {
        let scratch = SecureBytes(zeroed: byteCount)
        return scratch.withUnsafeMutableBytes { RecoveryKeyEncoding.decode(text, into: $0) }
    }

    /// The key for the user to write down: 14 groups of 4 characters. This string is the
    /// secret; show it once and do not keep it.
    public func revealedText() -> String {
        secret.withUnsafeBytes { RecoveryKeyEncoding.encode($0) }
    }

    /// Whether both are the same key (constant time).
    public func matches(_ other: RecoveryKey) -> Bool { secret == other.secret }

    static func error(for problem: RecoveryKeyEncoding.Problem) -> KeyError {
        let count = RecoveryKeyEncoding.characterCount
        switch problem {
        case .wrongLength(let found):
            return KeyError(
                .recoveryKeyLength,
                "the recovery key has \(found) characters; it has \(count) (dashes and spaces do not count)")
        case .invalidCharacter(let position):
            return KeyError(
                .recoveryKeyCharacter,
                "character \(position) (\(place(position))) of the recovery key is not a letter or digit it uses")
        case .mistyped(let positions) where positions.isEmpty:
            return KeyError(
                .recoveryKeyMistyped,
                "the recovery key does not check out: more than one character is wrong; compare it with your copy")
        case .mistyped(let positions):
            let places = positions.map { "character \($0) (\(place($0)))" }.joined(separator: " and ")
            return KeyError(
                .recoveryKeyMistyped, "the recovery key's \(places) looks mistyped; compare it with your copy")
        }
    }

    private static func place(_ position: Int) -> String {
        let size = RecoveryKeyEncoding.groupSize
        return "group \((position - 1) / size + 1), character \((position - 1) % size + 1)"
    }
}

extension RecoveryKey: CustomStringConvertible, CustomReflectable {
    public var description: String { "RecoveryKey(redacted)" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
