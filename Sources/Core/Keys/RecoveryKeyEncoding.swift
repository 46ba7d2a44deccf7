/// How a recovery key is written for people (docs/SECURITY.md, "Recovery key encoding").
///
/// The 256-bit key is written as 52 Crockford base32 characters (the last carries one key bit
/// and four zero bits), split into two halves of 26. Each half gets two check characters that
/// make it a Reed–Solomon codeword over GF(32): with c₀…c₂₇ the half's symbols and α a
/// primitive element, Σ cᵢ = 0 and Σ cᵢ·αⁱ = 0. Minimum distance 3 means:
/// - every single mistyped character is caught, and its position is found exactly
///   (α^j = S₁/S₀ for an error at j);
/// - any two mistyped characters in a half are caught, which includes every transposition.
///
/// The 56 characters are shown in 14 groups of 4: `XXXX-XXXX-…`. Reading forgives case,
/// dashes and whitespace, and Crockford's look-alikes (I and L for 1, O for 0).
public enum RecoveryKeyEncoding {
    /// Crockford's base32 alphabet: no I, L, O or U.
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    /// Characters in a key, without separators.
    public static let characterCount = 56
    /// Characters per displayed group.
    public static let groupSize = 4

    static let halfCount = 2
    static let dataSymbolsPerHalf = 26
    static let symbolsPerHalf = 28

    /// What is wrong with a typed recovery key. Positions are 1-based character indexes,
    /// not counting separators; no variant holds a character of the key.
    public enum Problem: Hashable, Sendable {
        /// It has `found` characters, not 56.
        case wrongLength(found: Int)
        /// The character at `position` is not in the alphabet.
        case invalidCharacter(position: Int)
        /// The check characters do not match. `positions` are the mistyped characters when
        /// they can be located (one per half at most); empty when they cannot.
        case mistyped(positions: [Int])
    }

    /// The display form of a 32-byte key.
    static func encode(_ key: UnsafeRawBufferPointer) -> String {
        precondition(key.count == 32)
        var symbols = dataSymbols(key)
        defer { wipe(&symbols) }
        var codeword = [UInt8]()
        defer { wipe(&codeword) }
        for half in 0..<halfCount {
            let data = Array(symbols[(half * dataSymbolsPerHalf)..<((half + 1) * dataSymbolsPerHalf)])
            codeword += data + checkSymbols(data)
        }
        var text = ""
        for (index, symbol) in codeword.enumerated() {
            if index > 0 && index % groupSize == 0 { text.append("-") }
            text.append(alphabet[Int(symbol)])
        }
        return text
    }

    /// The 32 key bytes written into `output`, or the problem with `text`.
    static func decode(_ text: String, into output: UnsafeMutableRawBufferPointer) -> Problem? {
        precondition(output.count == 32)
        var symbols = [UInt8]()
        defer { wipe(&symbols) }
        symbols.reserveCapacity(characterCount)
        for character in text {
            if character == "-" || character.isWhitespace { continue }
            guard let value = value(of: character) else {
                return .invalidCharacter(position: symbols.count + 1)
            }
            symbols.append(value)
        }
        guard symbols.count == characterCount else { return .wrongLength(found: symbols.count) }
        var positions = [Int]()
        var located = true
        for half in 0..<halfCount {
            let start = half * symbolsPerHalf
            switch locateError(Array(symbols[start..<(start + symbolsPerHalf)])) {
            case .none: break
            case .some(.some(let j)): positions.append(start + j + 1)
            case .some(.none): located = false
            }
        }
        if !positions.isEmpty || !located { return .mistyped(positions: located ? positions : []) }
        var data =
            Array(symbols[0..<dataSymbolsPerHalf])
            + Array(symbols[symbolsPerHalf..<(symbolsPerHalf + dataSymbolsPerHalf)])
        defer { wipe(&data) }
        // The last symbol holds one key bit; its four low bits are zero in every real key.
        guard data[51] & 0x0f == 0 else { return .mistyped(positions: []) }
        var accumulator = 0
        var bits = 0
        var index = 0
        for symbol in data {
            accumulator = (accumulator << 5 | Int(symbol)) & 0x1fff
            bits += 5
            if bits >= 8 && index < 32 {
                bits -= 8
                output[index] = UInt8(truncatingIfNeeded: accumulator >> bits)
                index += 1
            }
        }
        accumulator = 0
        return nil
    }

    // MARK: Symbols

    private static func value(of character: Character) -> UInt8? {
        guard let ascii = character.asciiValue else { return nil }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return ascii - UInt8(ascii: "0")
        case UInt8(ascii: "o"), UInt8(ascii: "O"): return 0
        case UInt8(ascii: "i"), UInt8(ascii: "I"), UInt8(ascii: "l"), UInt8(ascii: "L"): return 1
        default:
            let upper = Character(Unicode.Scalar(ascii >= 0x61 && ascii <= 0x7a ? ascii - 0x20 : ascii))
            return alphabet.firstIndex(of: upper).map { UInt8($0) }
        }
    }

    /// 52 five-bit symbols, most significant bit first, the last padded with zero bits.
    private static func dataSymbols(_ key: UnsafeRawBufferPointer) -> [UInt8] {
        var symbols = [UInt8]()
        symbols.reserveCapacity(2 * dataSymbolsPerHalf)
        var accumulator = 0
        var bits = 0
        for byte in key {
            accumulator = (accumulator << 8 | Int(byte)) & 0xfff
            bits += 8
            while bits >= 5 {
                bits -= 5
                symbols.append(UInt8((accumulator >> bits) & 0x1f))
            }
        }
        symbols.append(UInt8((accumulator << (5 - bits)) & 0x1f))
        accumulator = 0
        return symbols
    }

    // MARK: GF(32) and the code

    /// GF(2⁵) with the primitive polynomial x⁵ + x² + 1; α = x.
    private static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 31)
        var x = 1
        for i in 0..<31 {
            table[i] = UInt8(x)
            x <<= 1
            if x & 0x20 != 0 { x ^= 0x25 }
        }
        return table
    }()

    private static let log: [Int] = {
        var table = [Int](repeating: 0, count: 32)
        for i in 0..<31 { table[Int(exp[i])] = i }
        return table
    }()

    private static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[(log[Int(a)] + log[Int(b)]) % 31]
    }

    private static func divide(_ a: UInt8, _ b: UInt8) -> UInt8 {
        precondition(b != 0)
        if a == 0 { return 0 }
        return exp[(log[Int(a)] - log[Int(b)] + 31) % 31]
    }

    private static func alphaPower(_ i: Int) -> UInt8 { exp[i % 31] }

    /// S₀ = Σ cᵢ and S₁ = Σ cᵢ·αⁱ.
    private static func syndromes(_ symbols: [UInt8]) -> (UInt8, UInt8) {
        var s0: UInt8 = 0
        var s1: UInt8 = 0
        for (i, c) in symbols.enumerated() {
            s0 ^= c
            s1 ^= multiply(c, alphaPower(i))
        }
        return (s0, s1)
    }

    /// The two check symbols at positions 26 and 27 that zero both syndromes.
    private static func checkSymbols(_ data: [UInt8]) -> [UInt8] {
        let (s0, s1) = syndromes(data)
        let a = alphaPower(dataSymbolsPerHalf)
        let b = alphaPower(dataSymbolsPerHalf + 1)
        // c₂₆ + c₂₇ = S₀ and α²⁶c₂₆ + α²⁷c₂₇ = S₁ (addition is XOR in GF(2⁵)).
        let first = divide(s1 ^ multiply(b, s0), a ^ b)
        return [first, s0 ^ first]
    }

    /// nil when the half is a codeword; `.some(j)` for a single error at j; `.some(nil)` when
    /// there is more than one.
    private static func locateError(_ half: [UInt8]) -> Int?? {
        let (s0, s1) = syndromes(half)
        if s0 == 0 && s1 == 0 { return nil }
        guard s0 != 0, s1 != 0 else { return .some(nil) }
        let j = log[Int(divide(s1, s0))]
        return j < symbolsPerHalf ? .some(j) : .some(nil)
    }

    private static func wipe(_ bytes: inout [UInt8]) {
        for i in bytes.indices { bytes[i] = 0 }
    }
}
