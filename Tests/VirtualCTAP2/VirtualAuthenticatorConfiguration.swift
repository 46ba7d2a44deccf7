/// How a virtual security key behaves: its PIN, what it supports, and what its "user" does
/// when it asks for a touch.
public struct VirtualAuthenticatorConfiguration: Sendable {
    /// What the user does when the key waits for a touch.
    public enum UserPresence: Sendable, Hashable {
        /// Touches it after the key has sent this many KEEPALIVE (user presence needed) reports.
        case touches(afterKeepalives: Int)
        /// Declines (a platform "cancel", or a key that refuses): CTAP2_ERR_OPERATION_DENIED.
        case declines
        /// Never touches, and the key gives up itself: CTAP2_ERR_USER_ACTION_TIMEOUT.
        case timesOut
        /// Never touches; the key waits until the host sends CTAPHID_CANCEL.
        case neverTouches
    }

    /// The attestation the key gives new credentials.
    public enum Attestation: Sendable, Hashable {
        /// `packed` self attestation: the credential key signs its own registration.
        case packedSelf
        /// `none`.
        case none
    }

    /// The PIN, or nil when none is set (then `clientPin` is false in authenticatorGetInfo).
    public var pin: String?
    /// Wrong PINs left before the PIN blocks.
    public var pinRetries: Int
    /// What a correct PIN resets the retries to.
    public var maximumPINRetries: Int
    /// Whether the key supports hmac-secret.
    public var hmacSecret: Bool
    /// Whether the key speaks CTAP 2.1 (pinUvAuthToken with permissions) or only 2.0.
    public var ctap21: Bool
    /// The attestation of new credentials.
    public var attestation: Attestation
    /// What the user does at each touch.
    public var presence: UserPresence
    /// CredRandom (the one used with user verification) of the next credentials made, in
    /// order; random ones once these are used up. Lets tests reproduce published vectors.
    public var credRandoms: [[UInt8]]
    /// The product name discovery reports.
    public var product: String

    public init(
        pin: String? = "1234", pinRetries: Int = 8, maximumPINRetries: Int = 8, hmacSecret: Bool = true,
        ctap21: Bool = true, attestation: Attestation = .packedSelf,
        presence: UserPresence = .touches(afterKeepalives: 1), credRandoms: [[UInt8]] = [],
        product: String = "Virtual CTAP2 Key"
    ) {
        self.pin = pin
        self.pinRetries = pinRetries
        self.maximumPINRetries = maximumPINRetries
        self.hmacSecret = hmacSecret
        self.ctap21 = ctap21
        self.attestation = attestation
        self.presence = presence
        self.credRandoms = credRandoms
        self.product = product
    }
}
