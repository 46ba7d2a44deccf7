import Testing
import Wire

@Suite("SecretStream")
struct SecretStreamTests {
    private let key = SecureBytes.random(count: SecretStream.keyByteCount)
    private let messages: [[UInt8]] = [
        Array("first chunk".utf8),
        [],
        [UInt8](repeating: 0x5A, count: 1000),
        Array("the last one".utf8),
    ]

    /// A header and the sealed chunks of `messages`, the last one marked final.
    private func sealedStream(ad: [UInt8] = []) throws -> (header: [UInt8], chunks: [[UInt8]]) {
        let writer = try SecretStream.Writer(key: key)
        let chunks = try messages.enumerated().map { index, message in
            try writer.push(message, ad: ad, final: index == messages.count - 1)
        }
        return (writer.header, chunks)
    }

    @Test("several chunks round-trip, ending with final")
    func roundTrip() throws {
        let (header, chunks) = try sealedStream(ad: Array("v1".utf8))
        #expect(header.count == SecretStream.headerByteCount)
        for (message, chunk) in zip(messages, chunks) {
            #expect(chunk.count == message.count + SecretStream.overheadByteCount)
        }
        let reader = try SecretStream.Reader(key: key, header: header)
        for (index, chunk) in chunks.enumerated() {
            #expect(!reader.isFinished)
            #expect(try reader.pull(chunk, ad: Array("v1".utf8)) == messages[index], "chunk \(index)")
        }
        #expect(reader.isFinished)
        try reader.finish()
    }

    @Test("two streams under one key differ (random header)")
    func freshHeaders() throws {
        let first = try sealedStream()
        let second = try sealedStream()
        #expect(first.header != second.header)
        #expect(first.chunks[0] != second.chunks[0])
    }

    @Test("a tampered chunk is rejected", arguments: [0, 5, SecretStream.overheadByteCount + 3])
    func tampered(byte: Int) throws {
        let (header, chunks) = try sealedStream()
        let reader = try SecretStream.Reader(key: key, header: header)
        _ = try reader.pull(chunks[0])
        var forged = chunks[2]
        forged[byte] ^= 0x01
        _ = try reader.pull(chunks[1])
        let error = #expect(throws: CryptoError.self) { try reader.pull(forged) }
        #expect(error?.code == .authenticationFailed)
    }

    @Test("a truncated chunk is rejected")
    func truncatedChunk() throws {
        let (header, chunks) = try sealedStream()
        let reader = try SecretStream.Reader(key: key, header: header)
        #expect(throws: CryptoError.self) { try reader.pull(chunks[0].dropLast()) }
        #expect(throws: CryptoError.self) { try reader.pull(chunks[0].prefix(SecretStream.overheadByteCount - 1)) }
        #expect(throws: CryptoError.self) { try reader.pull([UInt8]()) }
    }

    @Test("chunks out of order are rejected")
    func reordered() throws {
        let (header, chunks) = try sealedStream()
        let reader = try SecretStream.Reader(key: key, header: header)
        let error = #expect(throws: CryptoError.self) { try reader.pull(chunks[1]) }
        #expect(error?.code == .authenticationFailed)
    }

    @Test("a replayed chunk is rejected")
    func replayed() throws {
        let (header, chunks) = try sealedStream()
        let reader = try SecretStream.Reader(key: key, header: header)
        _ = try reader.pull(chunks[0])
        let error = #expect(throws: CryptoError.self) { try reader.pull(chunks[0]) }
        #expect(error?.code == .authenticationFailed)
    }

    @Test("a wrong key, header or associated data is rejected")
    func wrongKeyHeaderOrAD() throws {
        let (header, chunks) = try sealedStream(ad: Array("v1".utf8))

        let otherKey = SecureBytes.random(count: SecretStream.keyByteCount)
        let wrongKey = try SecretStream.Reader(key: otherKey, header: header)
        let error = #expect(throws: CryptoError.self) { try wrongKey.pull(chunks[0], ad: Array("v1".utf8)) }
        #expect(error?.code == .authenticationFailed)

        var otherHeader = header
        otherHeader[0] ^= 0x01
        let wrongHeader = try SecretStream.Reader(key: key, header: otherHeader)
        #expect(throws: CryptoError.self) { try wrongHeader.pull(chunks[0], ad: Array("v1".utf8)) }

        let wrongAD = try SecretStream.Reader(key: key, header: header)
        #expect(throws: CryptoError.self) { try wrongAD.pull(chunks[0], ad: Array("v2".utf8)) }
        #expect(throws: CryptoError.self) { try wrongAD.pull(chunks[0]) }
    }

    @Test("a stream without its final chunk reports truncation")
    func missingFinal() throws {
        let (header, chunks) = try sealedStream()
        let reader = try SecretStream.Reader(key: key, header: header)
        for chunk in chunks.dropLast() { _ = try reader.pull(chunk) }
        #expect(!reader.isFinished)
        let error = #expect(throws: CryptoError.self) { try reader.finish() }
        #expect(error?.code == .streamTruncated)

        let empty = try SecretStream.Reader(key: key, header: header)
        #expect(throws: CryptoError.self) { try empty.finish() }
    }

    @Test("data after the final chunk is refused, by reader and writer")
    func dataAfterFinal() throws {
        let (header, chunks) = try sealedStream()
        let reader = try SecretStream.Reader(key: key, header: header)
        for chunk in chunks { _ = try reader.pull(chunk) }
        for extra in [chunks[0], chunks[chunks.count - 1]] {
            let error = #expect(throws: CryptoError.self) { try reader.pull(extra) }
            #expect(error?.code == .streamFinished)
        }
        try reader.finish()

        let writer = try SecretStream.Writer(key: key)
        _ = try writer.push(Array("end".utf8), final: true)
        let error = #expect(throws: CryptoError.self) { try writer.push(Array("more".utf8)) }
        #expect(error?.code == .streamFinished)
    }

    @Test("wrong key and header lengths are refused")
    func lengths() throws {
        let shortKey = SecureBytes.random(count: SecretStream.keyByteCount - 1)
        let writerError = #expect(throws: CryptoError.self) { try SecretStream.Writer(key: shortKey) }
        #expect(writerError?.code == .invalidKeyLength)
        let readerError = #expect(throws: CryptoError.self) {
            try SecretStream.Reader(key: shortKey, header: [UInt8](repeating: 0, count: SecretStream.headerByteCount))
        }
        #expect(readerError?.code == .invalidKeyLength)
        let headerError = #expect(throws: CryptoError.self) {
            try SecretStream.Reader(key: key, header: [UInt8](repeating: 0, count: SecretStream.headerByteCount - 1))
        }
        #expect(headerError?.code == .invalidLength)
    }
}
