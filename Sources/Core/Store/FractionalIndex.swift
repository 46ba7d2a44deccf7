import Wire

/// A position in a user-ordered list (folders) that never needs its neighbours renumbered:
/// between any two keys there is always another. Moving an item rewrites that item alone.
///
/// A key is a base-62 fraction 0.d₁d₂… written with the digits `0-9A-Za-z` (ascending in
/// ASCII, so keys compare byte by byte) and never ending in `0`, which keeps each position to
/// one spelling and leaves room below every key.
public struct FractionalIndex: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    private static let base = alphabet.count

    /// The key's text.
    public let rawValue: String

    /// A key from its text.
    /// - Throws: `RecordError` `.invalidPayload` when empty, ending in `0` or not base 62.
    public init(_ rawValue: String) throws {
        guard let last = rawValue.utf8.last, last != Self.alphabet[0],
            rawValue.utf8.allSatisfy({ Self.digit($0) != nil })
        else { throw RecordError(.invalidPayload, "an order key is base-62 digits not ending in 0") }
        self.rawValue = rawValue
    }

    private init(digits: [Int]) { rawValue = String(decoding: digits.map { Self.alphabet[$0] }, as: UTF8.self) }

    private var digits: [Int] { rawValue.utf8.map { Self.digit($0)! } }

    private static func digit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a")) + 36
        default: nil
        }
    }

    /// A key strictly between `lower` and `upper`; `nil` stands for the start or the end of the list.
    /// - Precondition: `lower < upper` when both are given.
    public static func between(_ lower: FractionalIndex?, _ upper: FractionalIndex?) -> FractionalIndex {
        let lo = lower?.digits ?? []
        let hi = upper?.digits
        if let lower, let upper { precondition(lower < upper, "order keys must be given in order") }
        var result: [Int] = []
        // Whether `upper` still bounds the digits to come: once a digit falls below upper's,
        // everything after it is free up to the base.
        var bounded = hi != nil
        var i = 0
        while true {
            let a = i < lo.count ? lo[i] : 0
            let b = bounded ? (i < hi!.count ? hi![i] : 0) : base
            if b - a > 1 {
                result.append((a + b) / 2)
                return FractionalIndex(digits: result)
            }
            if b - a == 1, bounded, hi!.count > i + 1 {
                // upper continues past this digit (with a non-zero digit somewhere), so its
                // prefix up to here is already below it and above lower: the shortest key.
                result.append(b)
                return FractionalIndex(digits: result)
            }
            if b - a == 1 { bounded = false }
            result.append(a)
            i += 1
        }
    }

    /// Byte order of the texts, the same as the order of the fractions.
    public static func < (lhs: FractionalIndex, rhs: FractionalIndex) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
