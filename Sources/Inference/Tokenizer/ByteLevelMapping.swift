/// GPT-2's reversible map between bytes and printable Unicode scalars, through which byte-level BPE vocabularies
/// store their tokens: printable Latin-1 bytes map to themselves, the rest to U+0100 onwards, so no token text
/// holds a space or control character.
enum ByteLevelMapping {
    /// The scalar standing for each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintable(byte) {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each mapped scalar stands for, indexed by scalar value (all are below U+0144).
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The byte `scalar` stands for, or nil when it is not one of the 256 mapped scalars.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteForScalar.count, byteForScalar[value] >= 0 else { return nil }
        return UInt8(byteForScalar[value])
    }

    /// The mapped form of `bytes`: one scalar per byte.
    static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var out = String.UnicodeScalarView()
        for byte in bytes { out.append(scalarForByte[Int(byte)]) }
        return String(out)
    }

    /// The bytes that the mapped `text` stands for. Scalars outside the map are kept as their own UTF-8, as
    /// llama.cpp cannot do better for a token no byte-level converter would write.
    static func decode(_ text: String, into out: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            if let byte = byte(for: scalar) {
                out.append(byte)
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
    }

    private static func isPrintable(_ byte: Int) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }
}
