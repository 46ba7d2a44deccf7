import Foundation
import TestSupport
import Testing
import Wire

/// One entry of the BLAKE2 reference known-answer files (`blake2b-kat.txt`, `blake2s-kat.txt`).
private struct KATEntry {
    let line: Int
    let input: [UInt8]
    let key: [UInt8]
    let hash: [UInt8]
}

/// Parses blank-line-separated blocks of `in:\t<hex>`, `key:\t<hex>`, `hash:\t<hex>` (`in` may be empty).
private func loadKAT(_ file: String) throws -> [KATEntry] {
    var entries: [KATEntry] = []
    var fields: [String: [UInt8]] = [:]
    var blockStart = 0
    let lines = try Fixtures.text("vectors/primitives/\(file)").split(separator: "\n", omittingEmptySubsequences: false)
    for (index, rawLine) in lines.enumerated() {
        let line = rawLine.trimmingCharacters(in: .whitespaces)
        if line.isEmpty {
            continue
        }
        let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw KATError(file: file, line: index + 1, problem: "expected 'name:<tab>hex'")
        }
        let name = String(parts[0])
        guard ["in", "key", "hash"].contains(name), fields[name] == nil else {
            throw KATError(file: file, line: index + 1, problem: "unexpected or repeated field '\(name)'")
        }
        if fields.isEmpty { blockStart = index + 1 }
        fields[name] = try Hex.decode(parts[1].trimmingCharacters(in: .whitespaces))
        if name == "hash" {
            guard let input = fields["in"], let key = fields["key"], let hash = fields["hash"] else {
                throw KATError(file: file, line: blockStart, problem: "block without 'in' or 'key'")
            }
            entries.append(KATEntry(line: blockStart, input: input, key: key, hash: hash))
            fields = [:]
        }
    }
    guard fields.isEmpty else {
        throw KATError(file: file, line: blockStart, problem: "block without 'hash'")
    }
    return entries
}

private struct KATError: Error, CustomStringConvertible {
    let file: String
    let line: Int
    let problem: String
    var description: String { "\(file):\(line): \(problem)" }
}

@Suite("BLAKE2 and SHA-2 known answers")
struct BLAKE2KATTests {
    @Test("keyed BLAKE2b-512 reference KAT, all 256 entries")
    func blake2bKAT() throws {
        let entries = try loadKAT("blake2b-kat.txt")
        #expect(entries.count == 256)
        for (index, entry) in entries.enumerated() {
            let id = "blake2b-kat.txt entry \(index) (line \(entry.line))"
            // The reference KAT hashes bytes 0, 1, ..., i-1 under the key 0, 1, ..., 63.
            #expect(entry.input == (0..<index).map { UInt8(truncatingIfNeeded: $0) }, "\(id): input")
            #expect(entry.key == (0..<64).map { UInt8($0) }, "\(id): key")
            #expect(try BLAKE2b.hash(entry.input, key: entry.key, outputByteCount: 64) == entry.hash, "\(id)")
        }
    }

    @Test("keyed BLAKE2s-256 reference KAT, all 256 entries")
    func blake2sKAT() throws {
        let entries = try loadKAT("blake2s-kat.txt")
        #expect(entries.count == 256)
        for (index, entry) in entries.enumerated() {
            let id = "blake2s-kat.txt entry \(index) (line \(entry.line))"
            #expect(entry.input == (0..<index).map { UInt8(truncatingIfNeeded: $0) }, "\(id): input")
            #expect(entry.key == (0..<32).map { UInt8($0) }, "\(id): key")
            #expect(BLAKE2s.hash(entry.input, key: entry.key) == entry.hash, "\(id)")

            // The same digest, absorbing the input one byte at a time.
            let state = entry.key.withUnsafeBytes { BLAKE2s(key: $0) }
            for byte in entry.input { [byte].withUnsafeBytes { state.update($0) } }
            var digest = [UInt8](repeating: 0, count: 32)
            digest.withUnsafeMutableBytes { state.finalize(into: $0) }
            #expect(digest == entry.hash, "\(id): byte-at-a-time")
        }
    }

    /// 200 bytes: more than three BLAKE2s blocks, so splits land before, on and after block edges.
    private static let longInput: [UInt8] = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    @Test("BLAKE2s split at every offset equals the one-shot digest", arguments: [0, 32])
    func blake2sSplits(keyLength: Int) {
        let input = Self.longInput
        let key = (0..<keyLength).map { UInt8(0xF0 ^ $0) }
        let expected = BLAKE2s.hash(input, key: key)
        for split in 0...input.count {
            let state = key.withUnsafeBytes { BLAKE2s(key: $0) }
            input[..<split].withUnsafeBytes { state.update($0) }
            input[split...].withUnsafeBytes { state.update($0) }
            var digest = [UInt8](repeating: 0, count: 32)
            digest.withUnsafeMutableBytes { state.finalize(into: $0) }
            #expect(digest == expected, "key \(keyLength) bytes, split at \(split)")
        }
    }

    @Test("HashState split at every offset equals the one-shot digest", arguments: HashFunction.allCases)
    func hashStateSplits(function: HashFunction) {
        let input = Self.longInput
        let expected = function.hash(input)
        #expect(expected.count == function.outputByteCount)
        if function == .blake2s {
            #expect(expected == BLAKE2s.hash(input), "HashState(.blake2s) disagrees with BLAKE2s")
        }
        for split in 0...input.count {
            var state = HashState(function)
            state.update(input[..<split])
            state.update(input[split...])
            #expect(state.finalize() == expected, "\(function.rawValue), split at \(split)")
        }
    }

    @Test("SHA-256, SHA-512 (FIPS 180) and BLAKE2b-512, BLAKE2s-256 (RFC 7693) of \"abc\"")
    func abc() throws {
        let abc = Array("abc".utf8)
        let expected: [HashFunction: String] = [
            .sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            .sha512: """
            ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
            2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f
            """,
            .blake2b: """
            ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
            7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923
            """,
            .blake2s: "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982",
        ]
        for function in HashFunction.allCases {
            let want = try #require(expected[function])
            #expect(Hex.encode(function.hash(abc)) == want, "\(function.rawValue)(\"abc\")")
            // Several parts hash as their concatenation.
            #expect(Hex.encode(function.hash(Array("a".utf8), [UInt8](), Array("bc".utf8))) == want)
        }
        #expect(try Hex.encode(BLAKE2b.hash(abc)) == expected[.blake2b])
        #expect(Hex.encode(BLAKE2s.hash(abc)) == expected[.blake2s])
    }

    @Test("BLAKE2b refuses out-of-range key and output lengths")
    func blake2bRanges() throws {
        let tooLongKey = [UInt8](repeating: 1, count: 65)
        #expect(throws: CryptoError.self) { try BLAKE2b.hash([UInt8](), key: tooLongKey) }
        #expect(throws: CryptoError.self) { try BLAKE2b.hash([UInt8](), outputByteCount: 15) }
        #expect(throws: CryptoError.self) { try BLAKE2b.hash([UInt8](), outputByteCount: 65) }
        #expect(try BLAKE2b.hash([UInt8](), outputByteCount: 16).count == 16)
    }
}
