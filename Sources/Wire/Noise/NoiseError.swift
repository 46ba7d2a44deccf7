/// An error of the Noise layer: stable code, actionable message, no key material.
public typealias NoiseError = CodedError<NoiseErrorCode>

/// Stable identifiers of `NoiseError`.
public enum NoiseErrorCode: String, StableErrorCode {
    /// The Noise protocol name is not one this build implements.
    case unknownProtocol = "SOTTO-NOISE-PROTOCOL"
    /// A Noise pattern or algorithm this build does not implement.
    case unsupported = "SOTTO-NOISE-UNSUPPORTED"
    /// A key the handshake pattern needs was not given.
    case missingKey = "SOTTO-NOISE-MISSING-KEY"
    /// A pre-shared key is not 32 bytes, or is missing.
    case invalidPSK = "SOTTO-NOISE-PSK"
    /// A Noise message exceeds 65,535 bytes.
    case messageTooLong = "SOTTO-NOISE-MESSAGE-TOO-LONG"
    /// A Noise message is shorter than its tokens require.
    case messageTooShort = "SOTTO-NOISE-MESSAGE-TOO-SHORT"
    /// A Noise message did not authenticate.
    case decryptFailed = "SOTTO-NOISE-DECRYPT"
    /// A Noise cipher state has used every nonce.
    case nonceExhausted = "SOTTO-NOISE-NONCE-EXHAUSTED"
    /// A handshake message was written or read out of turn.
    case outOfOrder = "SOTTO-NOISE-OUT-OF-ORDER"
    /// Transport messages were used before the handshake finished.
    case handshakeIncomplete = "SOTTO-NOISE-INCOMPLETE"
    /// A peer's Diffie-Hellman key is a low-order point.
    case weakKey = "SOTTO-NOISE-WEAK-KEY"
}

/// The Noise specification caps every message, handshake or transport, at 65535 bytes.
public let noiseMaxMessageLength = 65535
