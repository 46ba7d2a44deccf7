/// Text from outside this device (a model's answer, a server's message, a certificate's
/// name, a synced record) in a form a terminal shows but never obeys.
///
/// A terminal acts on control characters: `ESC ] 52 ; c ; …` rewrites the clipboard, OSC 8
/// hides a link behind other text, CSI moves the cursor or clears the screen. So every
/// control character except newline and tab is replaced by a visible stand-in, and the rest
/// of an escape sequence arrives as the plain text it is:
/// - C0 controls (U+0000–U+001F, carriage return included) and DEL: their Unicode Control
///   Picture, U+2400 plus the code (`␛` for ESC, `␍` for CR), `␡` for DEL. `ESC ] 52 ; c ;`
///   shows as `␛]52;c;`.
/// - C1 controls (U+0080–U+009F), as code points or as the raw bytes of invalid UTF-8 that
///   an 8-bit terminal would obey: `␛` and the character ECMA-48 pairs with each in its
///   7-bit form, so the one-character CSI (0x9B) shows as `␛[` and OSC (0x9D) as `␛]`.
/// - any other byte that is not UTF-8: U+FFFD.
/// - the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which
///   make a terminal that reorders text show it in another order than it is read (code in an
///   answer that looks harmless and is not, "Trojan Source"): `⟦U+202E⟧`.
///
/// Each character is replaced on its own, with no state, so a sequence split across two
/// streamed pieces is as harmless as a whole one, and escaping twice changes nothing more.
package struct TerminalSafeText: Sendable, Hashable, CustomStringConvertible {
    /// The safe text.
    package let description: String

    /// `untrusted` with every control character made visible.
    package init(_ untrusted: some StringProtocol) {
        var safe = String.UnicodeScalarView()
        for scalar in untrusted.unicodeScalars { Self.append(scalar, to: &safe) }
        description = String(safe)
    }

    /// UTF-8 bytes made safe; bytes that are not UTF-8 are shown, never passed on.
    package init(utf8 bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        var safe = String.UnicodeScalarView()
        var start = 0
        while start < bytes.count {
            var parser = Unicode.UTF8.ForwardParser()
            var input = bytes[start...].makeIterator()
            switch parser.parseScalar(from: &input) {
            case .valid(let encoded):
                Self.append(Unicode.UTF8.decode(encoded), to: &safe)
                start += encoded.count
            case .error(let length):
                for byte in bytes[start..<start + length] {
                    if 0x80...0x9F ~= byte {
                        Self.appendSevenBitForm(ofC1: UInt32(byte), to: &safe)
                    } else {
                        safe.append("\u{FFFD}")
                    }
                }
                start += length
            case .emptyInput:
                start = bytes.count
            }
        }
        description = String(safe)
    }

    /// A JSON document made safe without changing what it means: DEL and C1 controls, which
    /// JSON lets through raw inside strings, become `\u00XX` escapes, so the output still
    /// parses to the same values. Controls outside strings cannot occur in JSON a
    /// standard encoder wrote; any that do are made visible as in ``init(_:)``.
    package init(json bytes: some Collection<UInt8>) {
        var escaped = String.UnicodeScalarView()
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if scalar.value == 0x7F || Self.c1Range.contains(scalar.value) || Self.isBidiControl(scalar.value) {
                let hex = String(scalar.value, radix: 16, uppercase: false)
                escaped.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            } else {
                escaped.append(scalar)
            }
        }
        self.init(String(escaped))
    }

    private static let c1Range: ClosedRange<UInt32> = 0x80...0x9F

    /// LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
    private static func isBidiControl(_ value: UInt32) -> Bool {
        (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }

    private static func append(_ scalar: Unicode.Scalar, to safe: inout String.UnicodeScalarView) {
        switch scalar.value {
        case 0x0A, 0x09:
            safe.append(scalar)
        case 0x00...0x1F:
            safe.append(Unicode.Scalar(0x2400 + scalar.value)!)
        case 0x7F:
            safe.append("\u{2421}")
        case c1Range:
            appendSevenBitForm(ofC1: scalar.value, to: &safe)
        case _ where isBidiControl(scalar.value):
            let hex = String(scalar.value, radix: 16, uppercase: true)
            safe.append(contentsOf: "⟦U+\(hex)⟧".unicodeScalars)
        default:
            safe.append(scalar)
        }
    }

    /// ECMA-48 §5.3: the C1 control 0x80+n is the sequence ESC (0x40+n) in a 7-bit code.
    private static func appendSevenBitForm(ofC1 code: UInt32, to safe: inout String.UnicodeScalarView) {
        safe.append("\u{241B}")
        safe.append(Unicode.Scalar(code - 0x40)!)
    }
}
