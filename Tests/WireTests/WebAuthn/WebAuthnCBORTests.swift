import Testing
import Wire

/// The strict CBOR decoder: what it accepts, and a specific error for each kind of hostile input.
@Suite("WebAuthn CBOR")
struct WebAuthnCBORTests {
    func code(_ bytes: [UInt8], decoder: CBORDecoder = CBORDecoder()) -> WebAuthnErrorCode? {
        do throws(WebAuthnError) {
            _ = try decoder.decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func decodesEveryKindItSupports() throws {
        let value = try CBORDecoder().decode(
            try Hex.decode(
                "a501020326200121430102032258200000000000000000000000000000000000000000000000000000000000000000"))
        #expect(value[1]?.intValue == 2)
        #expect(value[3]?.intValue == -7)
        #expect(value[-1]?.intValue == 1)
        #expect(value[-2]?.bytesValue == [1, 2, 3])
        #expect(value[-3]?.bytesValue?.count == 32)
        #expect(try CBORDecoder().decode([0x83, 0xf4, 0xf5, 0xf6]) == .array([.bool(false), .bool(true), .null]))
        #expect(try CBORDecoder().decode([0x63, 0x66, 0x6d, 0x74]) == .text("fmt"))
        #expect(try CBORDecoder().decode([0x3b] + Array(repeating: 0xff, count: 8)) == .negative(UInt64.max))
        #expect(try CBORDecoder().decode([0x1b, 0, 0, 0, 1, 0, 0, 0, 0]) == .unsigned(1 << 32))
    }

    @Test func theEncoderIsCanonicalAndRoundTrips() throws {
        // Keys given out of order come out sorted: integers before negatives, shorter text first.
        let value = CBORValue.map([
            CBORMapEntry(.text("authData"), .bytes([1])), CBORMapEntry(.text("fmt"), .text("none")),
            CBORMapEntry(.int(-1), .int(1)), CBORMapEntry(.int(3), .int(-7)), CBORMapEntry(.int(500), .bool(true)),
        ])
        let encoded = CBOREncoder.encode(value)
        #expect(
            Hex.encode(encoded)
                == "a503261901f4f5200163666d74646e6f6e656861757468446174614101")
        let decoded = try CBORDecoder().decode(encoded)
        #expect(CBOREncoder.encode(decoded) == encoded)
        #expect(decoded["fmt"]?.textValue == "none")
    }

    @Test func prefixDecodingReportsWhereTheItemEnds() throws {
        let (value, end) = try CBORDecoder().decodePrefix([0x01, 0x42, 0xaa, 0xbb, 0x07], from: 1)
        #expect(value == .bytes([0xaa, 0xbb]) && end == 4)
        for offset in [-1, 5, 6] {
            let error = #expect(throws: WebAuthnError.self) {
                try CBORDecoder().decodePrefix([0, 0, 0, 0, 0], from: offset)
            }
            #expect(error?.code == .cborTruncated, "offset \(offset)")
        }
    }

    @Test func trailingBytes() {
        #expect(code([0x01, 0x00]) == .cborTrailingBytes)
        #expect(code([0xa0, 0xa0]) == .cborTrailingBytes)
    }

    @Test func truncation() {
        #expect(code([]) == .cborTruncated)
        #expect(code([0x18]) == .cborTruncated)
        #expect(code([0x19, 0x01]) == .cborTruncated)
        #expect(code([0x43, 0x01, 0x02]) == .cborTruncated)
        #expect(code([0x82, 0x01]) == .cborTruncated)
        #expect(code([0xa1, 0x01]) == .cborTruncated)
    }

    @Test func overDeepNesting() {
        // Ten thousand nested arrays: refused at the limit, without recursing ten thousand deep.
        #expect(code(Array(repeating: 0x81, count: 10_000) + [0x00]) == .cborTooDeep)
        #expect(code(Array(repeating: 0xa1, count: 10_000)) == .cborTooDeep)
        // Exactly at the limit is fine.
        let decoder = CBORDecoder()
        #expect(code(Array(repeating: 0x81, count: decoder.maximumDepth) + [0x00]) == nil)
        #expect(code(Array(repeating: 0x81, count: decoder.maximumDepth + 1) + [0x00]) == .cborTooDeep)
    }

    @Test func hugeDeclaredLengths() {
        let eightFF = [UInt8](repeating: 0xff, count: 8)
        #expect(code([0x5b] + eightFF) == .cborLength)  // byte string of 2^64 - 1 bytes
        #expect(code([0x7b] + eightFF) == .cborLength)  // text string
        #expect(code([0x9b] + eightFF) == .cborLength)  // array of 2^64 - 1 items
        #expect(code([0xbb] + eightFF) == .cborLength)  // map
        #expect(code([0x5a, 0xff, 0xff, 0xff, 0xff]) == .cborLength)  // 4 GiB
        #expect(code([0x9a, 0x00, 0x20, 0x00, 0x00]) == .cborLength)  // 2 Mi items
        // Plausible sizes the input cannot hold are truncation.
        #expect(code([0x59, 0x10, 0x00, 0x00]) == .cborTruncated)
        var small = CBORDecoder()
        small.maximumByteCount = 16
        #expect(code(Array(repeating: 0x40, count: 17), decoder: small) == .cborLength)
    }

    @Test func indefiniteLengthsTagsFloatsAndSimpleValues() {
        #expect(code([0x5f, 0x41, 0x00, 0xff]) == .cborUnsupported)  // indefinite byte string
        #expect(code([0x9f, 0xff]) == .cborUnsupported)  // indefinite array
        #expect(code([0xbf, 0xff]) == .cborUnsupported)  // indefinite map
        #expect(code([0xff]) == .cborUnsupported)  // a lone break
        #expect(code([0xc2, 0x41, 0x01]) == .cborUnsupported)  // tag 2
        #expect(code([0xf9, 0x3c, 0x00]) == .cborUnsupported)  // half float
        #expect(code([0xfb] + [UInt8](repeating: 0, count: 8)) == .cborUnsupported)
        #expect(code([0xf7]) == .cborUnsupported)  // undefined
        #expect(code([0xf8, 0x20]) == .cborUnsupported)  // simple(32)
        #expect(code([0x1c]) == .cborUnsupported)  // reserved additional information
    }

    @Test func nonCanonicalEncodings() {
        #expect(code([0x18, 0x17]) == .cborNonCanonical)  // 23 fits the initial byte
        #expect(code([0x19, 0x00, 0xff]) == .cborNonCanonical)
        #expect(code([0x1a, 0x00, 0x00, 0xff, 0xff]) == .cborNonCanonical)
        #expect(code([0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]) == .cborNonCanonical)
        #expect(code([0x58, 0x01, 0x00]) == .cborNonCanonical)  // a byte string's length
        #expect(code([0xa2, 0x03, 0x00, 0x01, 0x00]) == .cborNonCanonical)  // keys 3, 1
        #expect(code([0xa2, 0x20, 0x00, 0x01, 0x00]) == .cborNonCanonical)  // -1 before 1
        #expect(code([0xa2, 0x62, 0x61, 0x61, 0x00, 0x61, 0x62, 0x00]) == .cborNonCanonical)  // "aa" before "b"
        // The relaxed decoder reads them.
        let relaxed = CBORDecoder(mode: .lenient)
        #expect(code([0x18, 0x17], decoder: relaxed) == nil)
        #expect(code([0xa2, 0x03, 0x00, 0x01, 0x00], decoder: relaxed) == nil)
    }

    @Test func duplicateKeysAndBadUTF8() {
        #expect(code([0xa2, 0x01, 0x00, 0x01, 0x01]) == .cborDuplicateKey)
        let relaxed = CBORDecoder(mode: .lenient)
        #expect(code([0xa2, 0x01, 0x00, 0x01, 0x01], decoder: relaxed) == .cborDuplicateKey)
        #expect(code([0x62, 0xc3, 0x28]) == .cborInvalidUTF8)
        #expect(code([0x61, 0xff]) == .cborInvalidUTF8)
    }

    @Test func everyTruncationOfAnAttestationObject() throws {
        let vectors = try W3CWebAuthnVectors.get()
        let full = try vectors.example("packed-es256").registration.bytes("attestationObject")
        #expect(throws: Never.self) { try AttestationObject(bytes: full) }
        var checked = 0
        for length in 0..<full.count {
            let error = #expect(throws: WebAuthnError.self) { try AttestationObject(bytes: Array(full.prefix(length))) }
            #expect(error?.code == .cborTruncated, "prefix of \(length) bytes")
            checked += 1
        }
        #expect(checked == full.count)
    }

    @Test func base64URL() throws {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(try Base64URL.decode(text) == bytes)
        }
        #expect(try Base64URL.decode("AMMPt4UxxGTStncdq417YDwBFi8vpIa-pw8oOuVW4TA").count == 32)
        #expect(try Base64URL.decode("_w==") == [0xff])
        for bad in ["a", "ab+c", "ab/c", "a=bc", "_x", "abc*"] {
            let error = #expect(throws: WebAuthnError.self, "\(bad)") { try Base64URL.decode(bad) }
            #expect(error?.code == .base64URL)
        }
    }
}
