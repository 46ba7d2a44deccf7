/// CTAPHID's packets (CTAP 2.1 §11.2.4): 64-byte reports, an initialisation packet (channel,
/// command with its high bit set, 16-bit length, 57 bytes) followed by continuation packets
/// (channel, sequence 0…127, 59 bytes each).
enum CTAPHID {
    static let reportSize = 64
    static let broadcast: [UInt8] = [0xff, 0xff, 0xff, 0xff]

    enum Command {
        static let ping: UInt8 = 0x81
        static let msg: UInt8 = 0x83
        static let initialise: UInt8 = 0x86
        static let wink: UInt8 = 0x88
        static let cbor: UInt8 = 0x90
        static let cancel: UInt8 = 0x91
        static let keepalive: UInt8 = 0xbb
        static let error: UInt8 = 0xbf
    }

    enum ErrorCode {
        static let invalidCommand: UInt8 = 0x01
        static let invalidLength: UInt8 = 0x03
        static let invalidSequence: UInt8 = 0x04
        static let channelBusy: UInt8 = 0x06
        static let invalidChannel: UInt8 = 0x0b
    }

    enum KeepaliveStatus {
        static let processing: UInt8 = 1
        static let userPresenceNeeded: UInt8 = 2
    }

    /// The reports that carry `payload` as `command` on `channel`.
    static func frames(channel: [UInt8], command: UInt8, payload: [UInt8]) -> [[UInt8]] {
        var reports = [
            channel + [command, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)] + payload.prefix(57)
        ]
        var offset = min(57, payload.count)
        var sequence: UInt8 = 0
        while offset < payload.count {
            let end = min(offset + 59, payload.count)
            reports.append(channel + [sequence] + payload[offset..<end])
            offset = end
            sequence += 1
        }
        return reports.map { $0 + [UInt8](repeating: 0, count: reportSize - $0.count) }
    }

    /// A message being reassembled from its packets.
    struct Assembly {
        let command: UInt8
        let length: Int
        var payload: [UInt8]
        var nextSequence: UInt8 = 0

        var isComplete: Bool { payload.count >= length }
    }
}
