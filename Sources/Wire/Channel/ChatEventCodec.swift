/// Binary form of a `ChatEvent`, the plaintext of one transport frame:
/// type (1 byte) ‖ content length (2 bytes, big-endian) ‖ content ‖ zero padding.
/// Frames are padded to a multiple of `paddingQuantum` so an observer learns only a coarse
/// size; the padding must be zeros.
public enum ChatEventCodec {
    public static let paddingQuantum = 64
    /// Largest content of one event (what fits in a Noise message with header and tag).
    public static let maxContentByteCount = noiseMaxMessageLength - CipherState.tagByteCount - 3

    enum Kind: UInt8 {
        case start = 1, token = 2, error = 3, end = 4, progress = 5
    }

    /// Encodes `event`, padded.
    /// - Throws: `ChannelError.eventTooLarge` when the content exceeds one frame.
    public static func encode(_ event: ChatEvent) throws -> [UInt8] {
        let (kind, content): (Kind, [UInt8])
        switch event {
        case .start(let model): (kind, content) = (.start, Array(model.utf8))
        case .token(let text): (kind, content) = (.token, Array(text.utf8))
        case .error(let code, let message):
            (kind, content) = (.error, Array(code.utf8) + [0] + Array(message.utf8))
        case .end(let reason, let promptTokens, let completionTokens):
            var bytes = [UInt8]()
            bytes.append(reason == .stop ? 0 : reason == .length ? 1 : 2)
            appendUInt32(&bytes, UInt32(clamping: promptTokens))
            appendUInt32(&bytes, UInt32(clamping: completionTokens))
            (kind, content) = (.end, bytes)
        case .progress(let read, let total):
            var bytes = [UInt8]()
            appendUInt32(&bytes, UInt32(clamping: read))
            appendUInt32(&bytes, UInt32(clamping: total))
            (kind, content) = (.progress, bytes)
        }
        guard content.count <= maxContentByteCount else {
            throw ChannelError(.eventTooLarge, "an event of \(content.count) bytes does not fit in one frame")
        }
        let padded = min(
            (3 + content.count + paddingQuantum - 1) / paddingQuantum * paddingQuantum,
            noiseMaxMessageLength - CipherState.tagByteCount)
        // One allocation of the final size: this runs once per streamed token.
        var out = [UInt8]()
        out.reserveCapacity(padded)
        out.append(kind.rawValue)
        out.append(UInt8(content.count >> 8))
        out.append(UInt8(content.count & 0xff))
        out.append(contentsOf: content)
        out.append(contentsOf: repeatElement(0, count: padded - out.count))
        return out
    }

    /// Decodes one frame's plaintext.
    /// - Throws: `ChannelError.malformedEvent` for anything not produced by `encode`.
    public static func decode(_ frame: some RandomAccessCollection<UInt8>) throws -> ChatEvent {
        let bytes = ArraySlice(frame)
        let base = bytes.startIndex
        guard bytes.count >= 3, let kind = Kind(rawValue: bytes[base]) else {
            throw ChannelError(.malformedEvent, "an event frame has an unknown type or is too short")
        }
        let length = Int(bytes[base + 1]) << 8 | Int(bytes[base + 2])
        guard 3 + length <= bytes.count, bytes[(base + 3 + length)...].allSatisfy({ $0 == 0 }) else {
            throw ChannelError(.malformedEvent, "an event frame's length or padding is wrong")
        }
        let content = bytes[(base + 3)..<(base + 3 + length)]
        switch kind {
        case .start:
            return .start(model: try utf8(content))
        case .token:
            return .token(try utf8(content))
        case .error:
            guard let split = content.firstIndex(of: 0) else {
                throw ChannelError(.malformedEvent, "an error event lacks its code separator")
            }
            return .error(code: try utf8(content[..<split]), message: try utf8(content[(split + 1)...]))
        case .end:
            guard content.count == 9, content[content.startIndex] <= 2 else {
                throw ChannelError(.malformedEvent, "an end event has the wrong size")
            }
            let first = content[content.startIndex]
            let reason: FinishReason = first == 0 ? .stop : first == 1 ? .length : .cancelled
            return .end(
                reason: reason, promptTokens: Int(readUInt32(content, at: 1)),
                completionTokens: Int(readUInt32(content, at: 5)))
        case .progress:
            guard content.count == 8 else {
                throw ChannelError(.malformedEvent, "a progress event has the wrong size")
            }
            return .progress(read: Int(readUInt32(content, at: 0)), total: Int(readUInt32(content, at: 4)))
        }
    }

    private static func utf8(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ChannelError(.malformedEvent, "an event's text is not valid UTF-8")
        }
        return text
    }
}

func appendUInt32(_ bytes: inout [UInt8], _ value: UInt32) {
    bytes += [
        UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
        UInt8(truncatingIfNeeded: value),
    ]
}

func readUInt32(_ bytes: some RandomAccessCollection<UInt8>, at offset: Int) -> UInt32 {
    let i = bytes.index(bytes.startIndex, offsetBy: offset)
    return bytes[i...].prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
}
