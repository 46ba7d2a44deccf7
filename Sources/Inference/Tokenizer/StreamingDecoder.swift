/// Turns tokens into text as they are generated, emitting only whole UTF-8 characters: a character whose bytes
/// are split across tokens is held back until its last byte arrives.
///
/// Bytes that can never become valid UTF-8 are replaced by U+FFFD as soon as that is certain; an incomplete
/// character still pending is replaced only by ``finish()``. The concatenated output therefore equals
/// `String(decoding: allBytes, as: UTF8.self)`.
public struct StreamingDecoder: Sendable {
    private let tokenizer: Tokenizer
    private let includeSpecial: Bool
    private var pending: [UInt8] = []

    /// A decoder for `tokenizer`'s tokens; `includeSpecial` as in ``Tokenizer/decode(_:includeSpecial:)``.
    public init(tokenizer: Tokenizer, includeSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.includeSpecial = includeSpecial
    }

    /// The text that `token` completes, possibly empty.
    public mutating func push(_ token: Int) throws(TokenizerError) -> String {
        try tokenizer.appendBytes(of: token, includeSpecial: includeSpecial, to: &pending)
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeSubrange(..<cut)
        return text
    }

    /// The rest of the text, with an incomplete final character replaced by U+FFFD; the decoder is then empty.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many leading bytes can be decoded now: all but a trailing sequence that is a valid start of a
    /// character still missing bytes.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        // A lead byte is never a continuation byte, so cutting just before one cannot change how the bytes
        // before it decode.
        var lead = bytes.count - 1
        while lead >= 0, lead >= bytes.count - 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0, lead >= bytes.count - 4 else { return bytes.count }
        let first = bytes[lead]
        let length: Int
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return bytes.count
        }
        let tail = bytes.count - lead
        guard tail < length else { return bytes.count }
        if tail >= 2 {
            // The second byte's range depends on the lead: this excludes overlong forms, surrogates and
            // scalars past U+10FFFF, which can never complete.
            let second = bytes[lead + 1]
            let allowed: ClosedRange<UInt8> =
                switch first {
                case 0xE0: 0xA0...0xBF
                case 0xED: 0x80...0x9F
                case 0xF0: 0x90...0xBF
                case 0xF4: 0x80...0x8F
                default: 0x80...0xBF
                }
            guard allowed.contains(second) else { return bytes.count }
        }
        return lead
    }
}
