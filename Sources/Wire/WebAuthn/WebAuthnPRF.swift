/// The WebAuthn PRF extension on top of CTAP2 hmac-secret (L3 §10.1.4): the browser turns each
/// PRF input into an hmac-secret salt, so a terminal client that applies the same transform
/// gets the secret a browser would for the same credential.
public enum WebAuthnPRF {
    private static let context = Array("WebAuthn PRF".utf8) + [0x00]

    /// The hmac-secret salt for PRF `input`: SHA-256("WebAuthn PRF" ‖ 0x00 ‖ input).
    public static func salt(for input: some ByteView) -> [UInt8] {
        HashFunction.sha256.hash(context, input)
    }
}
