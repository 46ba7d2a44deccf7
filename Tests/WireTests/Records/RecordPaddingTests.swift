import Testing
import Wire

@Suite("Record padding")
struct RecordPaddingTests {
    @Test func bucketsAtAndAroundEachBoundary() throws {
        let expected: [(Int, Int)] = [
            (0, 256), (1, 256), (255, 256), (256, 1024), (257, 1024), (1023, 1024), (1024, 4096),
            (4095, 4096), (4096, 16384), (16383, 16384), (16384, 65536), (65535, 65536), (65536, 131072),
            (131071, 131072), (131072, 196608), (16 * 1024 * 1024 - 1, 16 * 1024 * 1024),
        ]
        for (count, bucket) in expected {
            #expect(try RecordPadding.bucket(for: count) == bucket, "plaintext of \(count) bytes")
            let padded = try RecordPadding.pad([UInt8](repeating: 0xAB, count: count))
            #expect(padded.count == bucket)
            #expect(padded[count] == 0x80)
            #expect(padded[(count + 1)...].allSatisfy { $0 == 0 })
            #expect(try RecordPadding.unpad(padded).count == count)
        }
        let tooLarge = #expect(throws: RecordError.self) { try RecordPadding.bucket(for: 16 * 1024 * 1024) }
        #expect(tooLarge?.code == .tooLarge)
    }

    @Test func onlyBucketSizesAreBuckets() {
        for size in [256, 1024, 4096, 16384, 65536, 131072, 16 * 1024 * 1024] { #expect(RecordPadding.isBucket(size)) }
        for size in [0, 255, 257, 512, 2048, 65537, 100_000, 16 * 1024 * 1024 + 65536] {
            #expect(!RecordPadding.isBucket(size))
        }
    }

    @Test func invalidPaddingIsRejected() {
        var noMarker = [UInt8](repeating: 0, count: 256)
        var trailingData = [UInt8](repeating: 0, count: 256)
        trailingData[255] = 1
        var markerThenData = [UInt8](repeating: 0, count: 256)
        markerThenData[10] = 0x80
        markerThenData[200] = 7
        noMarker[0] = 0x41
        for padded in [noMarker, trailingData, markerThenData, [UInt8](repeating: 0x80, count: 255)] {
            let error = #expect(throws: RecordError.self) { try RecordPadding.unpad(padded) }
            #expect(error?.code == .badPadding)
        }
    }
}
