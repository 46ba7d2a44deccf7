/// Base64url (RFC 4648 §5), the encoding of every binary field in WebAuthn's JSON: no
/// padding on output; input may be unpadded or correctly padded.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Unpadded base64url of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int(n >> UInt32(shift) & 0x3f)]) }
            i += 3
        }
        let rest = input.count - i
        if rest == 1 {
            let n = UInt32(input[i]) << 16
            out += [alphabet[Int(n >> 18 & 0x3f)], alphabet[Int(n >> 12 & 0x3f)]]
        } else if rest == 2 {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 0x3f)], alphabet[Int(n >> 12 & 0x3f)], alphabet[Int(n >> 6 & 0x3f)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of base64url `text`. Refuses the standard alphabet's `+` and `/`, misplaced
    /// padding, an impossible length and non-zero unused bits, so each value has one encoding.
    /// - Throws: `WebAuthnError` `.base64URL`, naming `field`.
    public static func decode(_ text: some StringProtocol, field: String = "value") throws(WebAuthnError) -> [UInt8] {
        var utf8 = Array(text.utf8)
        if utf8.count % 4 == 0, utf8.last == UInt8(ascii: "=") {
            utf8.removeLast()
            if utf8.last == UInt8(ascii: "=") { utf8.removeLast() }
        }
        guard utf8.count % 4 != 1 else {
            throw WebAuthnError(
                .base64URL, "\(field) is not base64url: \(utf8.count) characters is an impossible length")
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for (offset, c) in utf8.enumerated() {
            guard let v = value(c) else {
                throw WebAuthnError(.base64URL, "\(field) is not base64url: unexpected character at offset \(offset)")
            }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else {
            throw WebAuthnError(
                .base64URL, "\(field) is not canonical base64url: its last character has unused bits set")
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
