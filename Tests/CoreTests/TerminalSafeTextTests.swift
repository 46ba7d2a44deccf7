import Core
import Foundation
import Testing

/// Every class of character a terminal obeys is shown, not passed on; everything else is kept.
@Suite struct TerminalSafeTextTests {
    /// No byte a terminal acts on: C0 other than newline and tab, DEL, and C1 (raw 0x80–0x9F
    /// bytes outside a UTF-8 sequence, or the two-byte encodings C2 80–C2 9F).
    static func obeyable(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var found = bytes.filter { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || $0 == 0x7F }
        for (index, byte) in bytes.enumerated().dropLast()
        where byte == 0xC2 && (0x80...0x9F).contains(bytes[index + 1]) {
            found.append(bytes[index + 1])
        }
        return found
    }

    @Test func everyC0ControlButNewlineAndTabIsShownAsItsPicture() {
        for code in UInt32(0)...0x1F where code != 0x0A && code != 0x09 {
            let safe = TerminalSafeText("a" + String(Unicode.Scalar(code)!) + "b").description
            #expect(safe == "a" + String(Unicode.Scalar(0x2400 + code)!) + "b")
            #expect(Self.obeyable(safe).isEmpty)
        }
        #expect(TerminalSafeText("line one\n\tindented\r\n").description == "line one\n\tindented␍\n")
    }

    @Test func delIsShown() {
        #expect(TerminalSafeText("a\u{7F}b").description == "a␡b")
    }

    @Test func c1ControlsAsCodePointsAreShownInTheirSevenBitForm() {
        for code in UInt32(0x80)...0x9F {
            let safe = TerminalSafeText("x" + String(Unicode.Scalar(code)!) + "y").description
            #expect(safe == "x␛" + String(Unicode.Scalar(code - 0x40)!) + "y")
            #expect(Self.obeyable(safe).isEmpty)
        }
        #expect(TerminalSafeText("\u{9B}31mred").description == "␛[31mred")
    }

    @Test func c1ControlsAsRawBytesOfInvalidUTF8AreShown() {
        // 0x9B alone is the one-byte CSI of an 8-bit terminal; 0x9D is OSC, 0x9C is ST.
        let bytes: [UInt8] = Array("a".utf8) + [0x9B] + Array("2J".utf8) + [0x9D] + Array("52;c;eA==".utf8) + [0x9C]
        let safe = TerminalSafeText(utf8: bytes).description
        #expect(safe == "a␛[2J␛]52;c;eA==␛\\")
        #expect(Self.obeyable(safe).isEmpty)
        // Other bytes that are not UTF-8 become U+FFFD; a lone lead byte too.
        #expect(TerminalSafeText(utf8: [0x41, 0xFF, 0xC3, 0x42]).description == "A\u{FFFD}\u{FFFD}B")
    }

    @Test func validUTF8IsKept() {
        let text = "Grüße, 東京 🇫🇷 é (e\u{301}) — ✓ \u{A0}nbsp ¢ ě"
        #expect(TerminalSafeText(text).description == text)
        #expect(TerminalSafeText(utf8: Array(text.utf8)).description == text)
    }

    @Test func csiSequencesArriveAsText() {
        let safe = TerminalSafeText("clear\u{1B}[2J\u{1B}[H\u{1B}[31mred\u{1B}[0m").description
        #expect(safe == "clear␛[2J␛[H␛[31mred␛[0m")
    }

    @Test func oscWithBELAndWithSTTerminatorsArriveAsText() {
        let clipboard = TerminalSafeText("\u{1B}]52;c;cm0gLXJmIH4=\u{07}").description
        #expect(clipboard == "␛]52;c;cm0gLXJmIH4=␇")
        let link = TerminalSafeText("\u{1B}]8;;https://evil.example\u{1B}\\click\u{1B}]8;;\u{1B}\\").description
        #expect(link == "␛]8;;https://evil.example␛\\click␛]8;;␛\\")
        let eightBit = TerminalSafeText("\u{9D}8;;https://evil.example\u{9C}click").description
        #expect(eightBit == "␛]8;;https://evil.example␛\\click")
    }

    @Test func aSequenceSplitAcrossStreamedPiecesIsAsHarmlessAsAWholeOne() {
        let whole = "before \u{1B}]52;c;cHduZWQ=\u{07} \u{1B}[2J after \u{9B}1m"
        let scalars = Array(whole.unicodeScalars)
        // Every split point, including right after ESC.
        for cut in 0...scalars.count {
            var first = String.UnicodeScalarView()
            first.append(contentsOf: scalars[..<cut])
            var second = String.UnicodeScalarView()
            second.append(contentsOf: scalars[cut...])
            let pieces = TerminalSafeText(String(first)).description + TerminalSafeText(String(second)).description
            #expect(pieces == TerminalSafeText(whole).description)
            #expect(Self.obeyable(pieces).isEmpty)
        }
    }

    @Test func escapingTwiceChangesNothingMore() {
        let once = TerminalSafeText("\u{1B}]52;c;eA==\u{07}\u{9B}1m\u{7F}").description
        #expect(TerminalSafeText(once).description == once)
    }

    /// "Trojan Source": an override makes a terminal that reorders text show code in another
    /// order than it runs. Each embedding, override and isolate is shown by name instead.
    @Test func bidirectionalOverridesAndIsolatesAreShown() {
        let answer = "if (admin) {\u{202E} } \u{2066}// check later\u{2069}\u{202C} grant()"
        let safe = TerminalSafeText(answer).description
        for value in [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069] {
            let scalar = Unicode.Scalar(UInt32(value))!
            #expect(!TerminalSafeText(String(scalar)).description.unicodeScalars.contains(scalar))
        }
        #expect(safe == "if (admin) {⟦U+202E⟧ } ⟦U+2066⟧// check later⟦U+2069⟧⟦U+202C⟧ grant()")
        // Right-to-left text itself, and the marks that only hint a direction, pass unchanged.
        #expect(TerminalSafeText("שלום עולם \u{200F}مرحبا").description == "שלום עולם \u{200F}مرحبا")
        #expect(TerminalSafeText(safe).description == safe)
    }

    @Test func jsonKeepsItsValuesAndLosesItsControls() throws {
        struct Message: Codable, Equatable { let content: String }
        let hostile = Message(content: "a\u{1B}]52;c;eA==\u{07}b\u{9B}2Jc\u{7F}d\u{9C}e\u{202E}f\n")
        let encoded = try JSONEncoder().encode(hostile)
        // JSONEncoder escapes C0 itself but lets DEL and C1 through raw.
        #expect(!Self.obeyable(String(decoding: encoded, as: UTF8.self)).isEmpty)
        let safe = TerminalSafeText(json: encoded).description
        #expect(Self.obeyable(safe).isEmpty)
        #expect(!safe.unicodeScalars.contains("\u{202E}"))
        #expect(try JSONDecoder().decode(Message.self, from: Data(safe.utf8)) == hostile)
    }
}
