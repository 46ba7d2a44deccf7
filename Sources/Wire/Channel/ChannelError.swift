/// An error of the encrypted chat channel. Stable codes; no content, no keys.
public typealias ChannelError = CodedError<ChannelErrorCode>

/// Stable identifiers of `ChannelError`.
public enum ChannelErrorCode: String, StableErrorCode {
    case malformedRequest = "SOTTO-CHANNEL-MALFORMED-REQUEST"
    case unknownKey = "SOTTO-CHANNEL-UNKNOWN-KEY"
    case keyExpired = "SOTTO-CHANNEL-KEY-EXPIRED"
    case decryptFailed = "SOTTO-CHANNEL-DECRYPT"
    case replayed = "SOTTO-CHANNEL-REPLAY"
    case clockSkew = "SOTTO-CHANNEL-CLOCK-SKEW"
    case requestTooLarge = "SOTTO-CHANNEL-TOO-LARGE"
    case malformedResponse = "SOTTO-CHANNEL-MALFORMED-RESPONSE"
    case truncated = "SOTTO-CHANNEL-TRUNCATED"
    case trailingData = "SOTTO-CHANNEL-TRAILING-DATA"
    case malformedEvent = "SOTTO-CHANNEL-MALFORMED-EVENT"
    case eventTooLarge = "SOTTO-CHANNEL-EVENT-TOO-LARGE"
}
