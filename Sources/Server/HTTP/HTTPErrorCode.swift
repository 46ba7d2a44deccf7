import Wire

/// Stable identifiers of the refusals the gateway and its HTTP binding answer themselves
/// (docs/PROTOCOL.md §2); the channel's, the backend's, the accounts' and the store's codes
/// come from their own enums.
public enum HTTPErrorCode: String, StableErrorCode {
    /// Too many requests of one kind from one address (429, `Retry-After`).
    case rateLimited = "SOTTO-RATE-LIMITED"
    /// The bodies being read already fill the server's memory budget (503, `Retry-After`).
    case busy = "SOTTO-SERVER-BUSY"
    /// The body stopped before its end (the client went away or sent broken framing).
    case incompleteBody = "SOTTO-SERVER-INCOMPLETE-BODY"
    /// The server failed in a way the request cannot fix.
    case internalError = "SOTTO-SERVER-INTERNAL"
    /// An attestation request of the wrong shape or size.
    case attestationBadRequest = "SOTTO-ATTEST-BAD-REQUEST"
    /// The TEE produced no evidence.
    case attestationInternal = "SOTTO-ATTEST-INTERNAL"
    /// The encrypted answer could not be started.
    case channelInternal = "SOTTO-CHANNEL-INTERNAL"
    /// A local-mode proof request of the wrong shape or size.
    case localBadRequest = "SOTTO-LOCAL-BAD-REQUEST"
}
