/// A security key as discovery lists it, for choosing one and naming it in prompts.
public struct SecurityKeyDevice: Sendable, Hashable, CustomStringConvertible {
    /// Where the key is (`/dev/hidraw3`); what `Fido2Authenticator.DeviceChoice.path` takes.
    public let path: String
    /// The maker's name as the key reports it; may be empty.
    public let manufacturer: String
    /// The product name as the key reports it; may be empty.
    public let product: String

    public init(path: String, manufacturer: String, product: String) {
        self.path = path
        self.manufacturer = manufacturer
        self.product = product
    }

    /// "Yubico YubiKey OTP+FIDO+CCID (/dev/hidraw3)", or "security key (PATH)" when unnamed.
    public var description: String {
        let name = [manufacturer, product].filter { !$0.isEmpty }.joined(separator: " ")
        return "\(name.isEmpty ? "security key" : name) (\(path))"
    }
}

/// A way to reach security keys other than libfido2's own HID access: it carries raw CTAPHID
/// reports, and libfido2 still does all the framing and CTAP2 over it. Tests plug a virtual
/// authenticator in here, so the real libfido2 code runs without hardware.
public protocol SecurityKeyTransport: Sendable {
    /// The security keys present now.
    func devices() throws -> [SecurityKeyDevice]

    /// Opens the key at `path`.
    /// - Throws: `PasskeyError` `.noSecurityKey` when there is none there.
    func open(path: String) throws -> any SecurityKeyConnection
}

/// An open connection to one security key that carries 64-byte CTAPHID reports.
public protocol SecurityKeyConnection: AnyObject, Sendable {
    /// Sends one 64-byte output report; false when the key is gone.
    func write(report: [UInt8]) -> Bool

    /// The next 64-byte input report, waiting at most `timeoutMilliseconds` (-1: no limit);
    /// nil when none came in time or the key is gone.
    func read(timeoutMilliseconds: Int) -> [UInt8]?

    /// Ends the connection.
    func close()
}
