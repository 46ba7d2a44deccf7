/// An error of the Noise layer: stable code, actionable message, no key material.
public typealias NoiseError = CodedError<NoiseErrorCode>

/// Stable identifiers of `NoiseError`.
public enum NoiseErrorCode: String, StableErrorCode {
    case unknownProtocol = "SOTTO-NOISE-PROTOCOL"
    case unsupported = "SOTTO-NOISE-UNSUPPORTED"
    case missingKey = "SOTTO-NOISE-MISSING-KEY"
    case invalidPSK = "SOTTO-NOISE-PSK"
    case messageTooLong = "SOTTO-NOISE-MESSAGE-TOO-LONG"
    case messageTooShort = "SOTTO-NOISE-MESSAGE-TOO-SHORT"
    case decryptFailed = "SOTTO-NOISE-DECRYPT"
    case nonceExhausted = "SOTTO-NOISE-NONCE-EXHAUSTED"
    case outOfOrder = "SOTTO-NOISE-OUT-OF-ORDER"
    case handshakeIncomplete = "SOTTO-NOISE-INCOMPLETE"
    case weakKey = "SOTTO-NOISE-WEAK-KEY"
}

/// The Noise specification caps every message, handshake or transport, at 65535 bytes.
public let noiseMaxMessageLength = 65535
