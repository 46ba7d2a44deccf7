import Inference
import Testing

@Suite struct ByteReaderTests {
    @Test func readsLittleEndianValues() throws {
        let bytes: [UInt8] = [0x47, 0x47, 0x55, 0x46, 0x03, 0x00, 0x00, 0x00, 0xff, 0xee]
        try bytes.withUnsafeBytes { (raw) throws -> Void in
            var reader = ByteReader(raw)
            #expect(try reader.read(UInt32.self) == 0x4655_4747)  // "GGUF"
            #expect(try reader.read(UInt32.self) == 3)
            #expect(try reader.read(UInt16.self) == 0xeeff)
            #expect(reader.remaining == 0)
        }
    }

    @Test func truncationIsAnErrorNotACrash() throws {
        let bytes: [UInt8] = [1, 2, 3]
        bytes.withUnsafeBytes { (raw) -> Void in
            var reader = ByteReader(raw)
            #expect(throws: ByteReaderError.truncated(offset: 0, needed: 4, available: 3)) {
                try reader.read(UInt32.self)
            }
            #expect(throws: ByteReaderError.self) { try reader.readBytes(4) }
            #expect(throws: ByteReaderError.self) { try reader.readBytes(-1) }
            #expect(throws: ByteReaderError.self) { try reader.readBytes(Int.max) }
            #expect(reader.offset == 0)
        }
    }
}
