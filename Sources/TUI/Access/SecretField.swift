import Wire

/// A field the user types a secret into (a passphrase, a PIN, a recovery key). The bytes live
/// in one `SecureBytes` buffer (locked, zeroed when freed) allocated at its full capacity, so
/// typing never reallocates and leaves no copy behind; the model stays a value (copy on write).
/// Equality and hashing look at the length only, and nothing prints the content.
public struct SecretField: Hashable, Sendable, CustomStringConvertible {
    /// The most bytes a field holds; more typing is ignored.
    public static let capacity = 1024

    private final class Storage: @unchecked Sendable {
        let bytes = SecureBytes(zeroed: SecretField.capacity)
        var count = 0
    }

    private var storage = Storage()

    public init() {}

    /// A field holding `bytes` (UTF-8), copied from locked memory to locked memory.
    public init(copying bytes: SecureBytes) {
        let count = min(bytes.count, Self.capacity)
        bytes.withUnsafeBytes { source in
            storage.bytes.withUnsafeMutableBytes { target in
                for index in 0..<count { target[index] = source[index] }
            }
        }
        storage.count = count
    }

    /// Bytes typed so far.
    public var byteCount: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }
    /// Characters typed so far, for the dots a masked field shows.
    public var characterCount: Int {
        storage.bytes.withUnsafeBytes { raw in
            raw.prefix(storage.count).reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        }
    }

    /// Appends `text`'s UTF-8 bytes; what does not fit is dropped whole characters at a time.
    public mutating func insert(_ text: String) {
        makeUnique()
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            let encoded = Array(String(scalar).utf8)
            guard storage.count + encoded.count <= Self.capacity else { return }
            storage.bytes.withUnsafeMutableBytes { raw in
                for (offset, byte) in encoded.enumerated() { raw[storage.count + offset] = byte }
            }
            storage.count += encoded.count
        }
    }

    /// Removes the last character (one Unicode scalar), wiping its bytes.
    public mutating func backspace() {
        guard storage.count > 0 else { return }
        makeUnique()
        storage.bytes.withUnsafeMutableBytes { raw in
            repeat {
                storage.count -= 1
                let byte = raw[storage.count]
                raw[storage.count] = 0
                if byte & 0xC0 != 0x80 { break }
            } while storage.count > 0
        }
    }

    /// Empties the field, wiping what was typed.
    public mutating func clear() {
        makeUnique()
        storage.bytes.withUnsafeMutableBytes { raw in
            for index in 0..<storage.count { raw[index] = 0 }
        }
        storage.count = 0
    }

    /// A copy of the typed bytes in a buffer of their exact size.
    public func secret() -> SecureBytes {
        storage.bytes.slice(0..<storage.count)
    }

    /// The typed text as a `String`, for a secret the user must see while typing (a recovery
    /// key copied from paper). The string is not zeroed: keep it short-lived.
    public func revealedText() -> String {
        storage.bytes.withUnsafeBytes { String(decoding: $0.prefix(storage.count), as: UTF8.self) }
    }

    public var description: String { "SecretField(\(storage.count) bytes, redacted)" }

    public static func == (lhs: SecretField, rhs: SecretField) -> Bool {
        lhs.storage === rhs.storage
            || lhs.storage.count == rhs.storage.count
                && lhs.storage.bytes.slice(0..<lhs.storage.count) == rhs.storage.bytes.slice(0..<rhs.storage.count)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage.count) }

    private mutating func makeUnique() {
        guard !isKnownUniquelyReferenced(&storage) else { return }
        let copy = Storage()
        let count = storage.count
        storage.bytes.withUnsafeBytes { source in
            copy.bytes.withUnsafeMutableBytes { target in
                for index in 0..<count { target[index] = source[index] }
            }
        }
        copy.count = count
        storage = copy
    }
}
