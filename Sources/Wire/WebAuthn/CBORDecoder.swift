/// A strict CBOR decoder for authenticator output: definite lengths only (CTAP2 forbids
/// indefinite ones), no duplicate map keys, nothing after the item, and limits on nesting and
/// declared sizes checked before anything is allocated, so hostile input costs no more than its
/// own length and never recurses deeply. `Mode` says whether CTAP2's canonical form is also
/// required.
public struct CBORDecoder: Sendable {
    /// How much of CTAP2's canonical form is required beyond well-formedness.
    public enum Mode: Sendable {
        /// Shortest integer, length and count encodings and map keys in canonical order: for
        /// what Sotto encodes itself, where any other form means a bug or a forgery.
        case canonical
        /// Any well-formed encoding of the supported subset: map keys in any order, integers,
        /// lengths and counts in wider encodings than needed. Browsers and authenticators send
        /// such objects (Windows puts authData before attStmt) and relying parties accept them;
        /// signatures cover the bytes as received, never a re-encoding, so order cannot matter.
        case lenient
    }

    /// The most nested arrays and maps accepted; WebAuthn's deepest structure (the attestation
    /// object's x5c array) is three levels.
    public var maximumDepth = 16
    /// The largest input, string or container count accepted.
    public var maximumByteCount = 1 << 20
    /// Whether canonical form is required.
    public var mode: Mode

    /// A decoder with the default limits, in `mode` (canonical unless told).
    public init(mode: Mode = .canonical) { self.mode = mode }

    /// Decodes `bytes`, which must hold exactly one item.
    /// - Throws: `WebAuthnError` with a `cbor…` code on malformed, non-canonical or oversized
    ///   input, `.cborTrailingBytes` when bytes follow the item.
    public func decode(_ bytes: [UInt8]) throws(WebAuthnError) -> CBORValue {
        let (value, end) = try decodePrefix(bytes, from: 0)
        guard end == bytes.count else {
            throw WebAuthnError(
                .cborTrailingBytes, "\(bytes.count - end) bytes follow the CBOR item that ends at offset \(end)")
        }
        return value
    }

    /// Decodes the one item that starts at `offset` and returns it with the offset just past it.
    /// Authenticator data embeds a COSE key followed by more data, so its end is found this way.
    /// - Throws: `WebAuthnError` with a `cbor…` code.
    public func decodePrefix(_ bytes: [UInt8], from offset: Int) throws(WebAuthnError) -> (CBORValue, Int) {
        guard bytes.count <= maximumByteCount else {
            throw WebAuthnError(.cborLength, "the CBOR input is \(bytes.count) bytes; at most \(maximumByteCount)")
        }
        guard (0...bytes.count).contains(offset) else {
            throw WebAuthnError(.cborTruncated, "no CBOR item can start at offset \(offset) of \(bytes.count) bytes")
        }
        var reader = Reader(bytes: bytes, position: offset, decoder: self)
        let value = try reader.item(depth: 0)
        return (value, reader.position)
    }

    private struct Head {
        let major: UInt8
        let additional: UInt8
        let argument: UInt64
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int
        let decoder: CBORDecoder

        var remaining: Int { bytes.count - position }

        mutating func byte() throws(WebAuthnError) -> UInt8 {
            guard position < bytes.count else {
                throw WebAuthnError(.cborTruncated, "the CBOR input ends at offset \(position) inside an item")
            }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func head() throws(WebAuthnError) -> Head {
            let start = position
            let initial = try byte()
            let major = initial >> 5
            let additional = initial & 0x1f
            let argument: UInt64
            switch additional {
            case 0..<24:
                argument = UInt64(additional)
            case 24...27:
                let width = 1 << Int(additional - 24)
                guard remaining >= width else {
                    throw WebAuthnError(.cborTruncated, "the CBOR input ends inside the item header at offset \(start)")
                }
                var value: UInt64 = 0
                for _ in 0..<width {
                    let next = try byte()
                    value = value << 8 | UInt64(next)
                }
                argument = value
                // Major type 7 uses these widths for floats, refused below; the shortest-form
                // rule applies to integers, lengths and counts.
                if decoder.mode == .canonical && major != 7 {
                    let smallest: UInt64 = [24, 0x100, 0x1_0000, 0x1_0000_0000][width.trailingZeroBitCount]
                    guard value >= smallest else {
                        throw WebAuthnError(
                            .cborNonCanonical,
                            "the CBOR item at offset \(start) uses a \(width)-byte argument for a value that fits a shorter one"
                        )
                    }
                }
            case 31:
                throw WebAuthnError(
                    .cborUnsupported,
                    "the CBOR item at offset \(start) has an indefinite length (or is a break), which CTAP2 forbids")
            default:
                throw WebAuthnError(
                    .cborUnsupported,
                    "the CBOR item at offset \(start) uses reserved additional information \(additional)")
            }
            return Head(major: major, additional: additional, argument: argument)
        }

        /// Checks a declared length or count against the limits and the bytes left; each
        /// element needs at least `unit` bytes.
        func checkDeclared(_ count: UInt64, unit: Int, what: String, at start: Int) throws(WebAuthnError) -> Int {
            guard count <= UInt64(decoder.maximumByteCount) else {
                throw WebAuthnError(
                    .cborLength,
                    "the CBOR \(what) at offset \(start) declares \(count) entries or bytes; at most \(decoder.maximumByteCount)"
                )
            }
            let n = Int(count)
            guard n * unit <= remaining else {
                throw WebAuthnError(
                    .cborTruncated,
                    "the CBOR \(what) at offset \(start) declares \(n) entries or bytes and only \(remaining) bytes remain"
                )
            }
            return n
        }

        mutating func item(depth: Int) throws(WebAuthnError) -> CBORValue {
            let start = position
            let head = try head()
            switch head.major {
            case 0:
                return .unsigned(head.argument)
            case 1:
                return .negative(head.argument)
            case 2:
                let n = try checkDeclared(head.argument, unit: 1, what: "byte string", at: start)
                defer { position += n }
                return .bytes(Array(bytes[position..<position + n]))
            case 3:
                let n = try checkDeclared(head.argument, unit: 1, what: "text string", at: start)
                guard let text = String(validating: bytes[position..<position + n], as: UTF8.self) else {
                    throw WebAuthnError(.cborInvalidUTF8, "the CBOR text string at offset \(start) is not valid UTF-8")
                }
                position += n
                return .text(text)
            case 4:
                try enter(depth: depth, at: start)
                let n = try checkDeclared(head.argument, unit: 1, what: "array", at: start)
                var items = [CBORValue]()
                // A declared count is only a claim: reserve little, so nested claims cannot
                // multiply into a large allocation before the items are read.
                items.reserveCapacity(min(n, 64))
                for _ in 0..<n { items.append(try item(depth: depth + 1)) }
                return .array(items)
            case 5:
                try enter(depth: depth, at: start)
                let n = try checkDeclared(head.argument, unit: 2, what: "map", at: start)
                var entries = [CBORMapEntry]()
                entries.reserveCapacity(min(n, 64))
                var seen = Set<CBORValue>()
                var previousKey: ArraySlice<UInt8>?
                for _ in 0..<n {
                    let keyStart = position
                    let key = try item(depth: depth + 1)
                    let keyBytes = bytes[keyStart..<position]
                    guard seen.insert(key).inserted else {
                        throw WebAuthnError(
                            .cborDuplicateKey, "the CBOR map at offset \(start) repeats the key at offset \(keyStart)")
                    }
                    if decoder.mode == .canonical, let previousKey,
                        !CBOREncoder.canonicallyPrecedes(previousKey, keyBytes)
                    {
                        throw WebAuthnError(
                            .cborNonCanonical,
                            "the CBOR map at offset \(start) has its key at offset \(keyStart) out of canonical order")
                    }
                    previousKey = keyBytes
                    let value = try item(depth: depth + 1)
                    entries.append(CBORMapEntry(key, value))
                }
                return .map(entries)
            case 6:
                throw WebAuthnError(
                    .cborUnsupported, "the CBOR item at offset \(start) is tagged; WebAuthn uses no tags")
            default:
                switch head.additional {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                case 25, 26, 27:
                    throw WebAuthnError(
                        .cborUnsupported, "the CBOR item at offset \(start) is a float; WebAuthn uses none")
                default:
                    throw WebAuthnError(
                        .cborUnsupported,
                        "the CBOR item at offset \(start) is simple value \(head.argument), which WebAuthn does not use"
                    )
                }
            }
        }

        func enter(depth: Int, at start: Int) throws(WebAuthnError) {
            guard depth < decoder.maximumDepth else {
                throw WebAuthnError(
                    .cborTooDeep,
                    "the CBOR container at offset \(start) nests deeper than \(decoder.maximumDepth) levels")
            }
        }
    }
}
