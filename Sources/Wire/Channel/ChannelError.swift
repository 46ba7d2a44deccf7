/// An error of the encrypted chat channel. Stable codes; no content, no keys.
public typealias ChannelError = CodedError<ChannelErrorCode>

/// Stable identifiers of `ChannelError`.
public enum ChannelErrorCode: String, StableErrorCode {
    /// A sealed chat request does not have the documented framing.
    case malformedRequest = "SOTTO-CHANNEL-MALFORMED-REQUEST"
    /// The request was sealed to a key this server does not hold (it restarted or rotated keys).
    case unknownKey = "SOTTO-CHANNEL-UNKNOWN-KEY"
    /// The request was sealed to a server key that has expired; verify the server again.
    case keyExpired = "SOTTO-CHANNEL-KEY-EXPIRED"
    /// A sealed request or answer did not authenticate: damaged or forged on the way.
    case decryptFailed = "SOTTO-CHANNEL-DECRYPT"
    /// The same sealed request arrived twice; the copy is refused.
    case replayed = "SOTTO-CHANNEL-REPLAY"
    /// The request's timestamp is too far from the server's clock to be accepted.
    case clockSkew = "SOTTO-CHANNEL-CLOCK-SKEW"
    /// The sealed request is larger than the server accepts.
    case requestTooLarge = "SOTTO-CHANNEL-TOO-LARGE"
    /// The sealed answer does not have the documented framing.
    case malformedResponse = "SOTTO-CHANNEL-MALFORMED-RESPONSE"
    /// The answer ended before its final frame: the connection was cut or the answer was shortened.
    case truncated = "SOTTO-CHANNEL-TRUNCATED"
    /// Bytes follow the answer's final frame.
    case trailingData = "SOTTO-CHANNEL-TRAILING-DATA"
    /// A decrypted answer event is not the documented JSON.
    case malformedEvent = "SOTTO-CHANNEL-MALFORMED-EVENT"
    /// One event of the answer is larger than the protocol allows.
    case eventTooLarge = "SOTTO-CHANNEL-EVENT-TOO-LARGE"
}
