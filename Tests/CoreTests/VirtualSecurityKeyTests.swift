import Core
import Testing
import VirtualCTAP2

/// The virtual key's CTAPHID layer, driven with raw reports: what libfido2 does not exercise
/// (errors, resynchronisation, long messages) must still behave as the specification says.
@Suite struct VirtualSecurityKeyTests {
    static let broadcast: [UInt8] = [0xff, 0xff, 0xff, 0xff]

    static func report(_ bytes: [UInt8]) -> [UInt8] { bytes + [UInt8](repeating: 0, count: 64 - bytes.count) }

    /// Allocates a channel with INIT and returns it, checking the reply's shape.
    static func initialise(_ connection: any SecurityKeyConnection) throws -> [UInt8] {
        let nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(connection.write(report: report(broadcast + [0x86, 0, 8] + nonce)))
        let reply = try #require(connection.read(timeoutMilliseconds: 100))
        #expect(Array(reply[0..<7]) == broadcast + [0x86, 0, 17])
        #expect(Array(reply[7..<15]) == nonce)
        #expect(reply[19] == 2)  // CTAPHID protocol version
        #expect(reply[23] & 0x04 != 0)  // CBOR capability
        return Array(reply[15..<19])
    }

    @Test func initAllocatesADistinctChannelEachTime() throws {
        let connection = try VirtualSecurityKey().open(path: "virtual:key-1")
        let first = try Self.initialise(connection)
        let second = try Self.initialise(connection)
        #expect(first != second && first != Self.broadcast && second != Self.broadcast)
    }

    @Test func aLongPingComesBackThroughContinuationPackets() throws {
        let connection = try VirtualSecurityKey().open(path: "virtual:key-1")
        let channel = try Self.initialise(connection)
        let payload = (0..<200).map { UInt8($0) }
        // 57 bytes in the initialisation packet, then 59 per continuation packet.
        #expect(connection.write(report: Self.report(channel + [0x81, 0, 200] + payload[0..<57])))
        for (sequence, start) in stride(from: 57, to: 200, by: 59).enumerated() {
            let chunk = payload[start..<min(start + 59, 200)]
            #expect(connection.write(report: Self.report(channel + [UInt8(sequence)] + chunk)))
        }
        var echoed = [UInt8]()
        let head = try #require(connection.read(timeoutMilliseconds: 100))
        #expect(Array(head[0..<7]) == channel + [0x81, 0, 200])
        echoed += head[7...]
        for sequence in 0..<3 {
            let next = try #require(connection.read(timeoutMilliseconds: 100))
            #expect(Array(next[0..<5]) == channel + [UInt8(sequence)])
            echoed += next[5...]
        }
        #expect(Array(echoed.prefix(200)) == payload)
        #expect(connection.read(timeoutMilliseconds: 20) == nil)
    }

    @Test func errorsForAnUnknownChannelABadSequenceAndU2F() throws {
        let connection = try VirtualSecurityKey().open(path: "virtual:key-1")
        let channel = try Self.initialise(connection)
        func expectError(_ code: UInt8, on replyChannel: [UInt8]) throws {
            let reply = try #require(connection.read(timeoutMilliseconds: 100))
            #expect(Array(reply[0..<8]) == replyChannel + [0xbf, 0, 1, code])
        }
        #expect(connection.write(report: Self.report([9, 9, 9, 9, 0x90, 0, 1, 0x04])))
        try expectError(0x0b, on: [9, 9, 9, 9])
        #expect(connection.write(report: Self.report(channel + [0x90, 0, 100] + [UInt8](repeating: 0x04, count: 57))))
        #expect(connection.write(report: Self.report(channel + [5] + [UInt8](repeating: 0, count: 43))))
        try expectError(0x04, on: channel)
        #expect(connection.write(report: Self.report(channel + [0x83, 0, 1, 0])))
        try expectError(0x01, on: channel)
    }

    @Test func getInfoOverCBORAndACancelWhileWaitingForATouch() throws {
        let key = VirtualSecurityKey(.init(pin: nil, presence: .neverTouches))
        let connection = try key.open(path: key.path)
        let channel = try Self.initialise(connection)
        #expect(connection.write(report: Self.report(channel + [0x90, 0, 1, 0x04])))
        let info = try #require(connection.read(timeoutMilliseconds: 100))
        #expect(Array(info[0..<5]) == channel + [0x90])
        #expect(info[7] == 0x00)  // CTAP2_OK
        let length = Int(info[5]) << 8 | Int(info[6])
        for _ in 0..<(length - 57 + 58) / 59 { _ = try #require(connection.read(timeoutMilliseconds: 100)) }
        // A makeCredential without a PIN (none is set): the key waits for a touch, sending
        // KEEPALIVE (user presence needed) until the host cancels.
        let request: [UInt8] =
            [0x01, 0xa4, 0x01, 0x58, 0x20] + [UInt8](repeating: 1, count: 32) + [0x02, 0xa1, 0x62] + Array("id".utf8)
            + [0x61, 0x61] + [0x03, 0xa1, 0x62] + Array("id".utf8) + [0x41, 0x07] + [0x04, 0x81, 0xa2, 0x63]
            + Array("alg".utf8) + [0x26, 0x64] + Array("type".utf8) + [0x6a] + Array("public-key".utf8)
        #expect(connection.write(report: Self.report(channel + [0x90, 0, UInt8(request.count)] + request[0..<57])))
        #expect(connection.write(report: Self.report(channel + [0] + request[57...])))
        let keepalive = try #require(connection.read(timeoutMilliseconds: 100))
        #expect(Array(keepalive[0..<8]) == channel + [0xbb, 0, 1, 2])
        #expect(key.isWaitingForTouch)
        #expect(connection.write(report: Self.report(channel + [0x91, 0, 0])))
        var reply = try #require(connection.read(timeoutMilliseconds: 100))
        while reply[4] == 0xbb { reply = try #require(connection.read(timeoutMilliseconds: 100)) }
        #expect(Array(reply[0..<8]) == channel + [0x90, 0, 1, 0x2d])  // CTAP2_ERR_KEEPALIVE_CANCEL
        #expect(key.cancelCount == 1)
        #expect(key.credentialCount == 0)
    }
}
