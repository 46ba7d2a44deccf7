/// Wire: what the client and the server share — the crypto layer, the Noise framework,
/// attestation evidence and verification, WebAuthn structures and the protocol messages.
/// No I/O happens in this module.
public enum Wire {
    /// Protocol version spoken by this build.
    public static let protocolVersion = 1
}
