import CFido2
import Foundation
import Synchronization
import Wire

/// A passkey on a FIDO2 security key, through libfido2: a discoverable ES256 credential with
/// hmac-secret, and assertions with user verification whose hmac-secret outputs are the
/// WebAuthn PRF results a browser would get for the same credential and inputs.
///
/// Each call opens the key, checks it supports hmac-secret, asks `pinSource` for the PIN when
/// the key has one (and no built-in user verification), calls `touchPrompt`, and runs the
/// ceremony on a thread of its own. Cancelling the calling task cancels the ceremony on the key.
///
/// A PIN the key accepted serves this authenticator's next calls for two minutes, so one
/// ceremony of the account (a registration: a credential, then an assertion for the PRF) asks
/// for it once. A wrong PIN is never kept; make a new authenticator per ceremony.
public struct Fido2Authenticator: Authenticator {
    /// Which key to use when several are plugged in.
    public enum DeviceChoice: Sendable, Hashable {
        /// The first key discovery lists.
        case first
        /// The key at this path (`/dev/hidraw3`).
        case path(String)
    }

    public var kind: PasskeyKind { .securityKey }
    /// Which key to use.
    public let choice: DeviceChoice
    /// How long one ceremony may wait for the key (for a touch, mostly).
    public let timeout: Duration
    private let pinSource: any PINSource
    private let touchPrompt: @Sendable (SecurityKeyDevice) -> Void
    private let transport: (any SecurityKeyTransport)?
    private let acceptedPIN = AcceptedPIN()

    /// An authenticator over a security key.
    /// - Parameters:
    ///   - device: which key to use.
    ///   - pinSource: asks for the key's PIN.
    ///   - touchPrompt: called just before the key waits for a touch ("touch your security key").
    ///   - timeout: how long a ceremony may wait for the key.
    ///   - transport: where keys are found; nil is the system's USB keys through libfido2.
    public init(
        device: DeviceChoice = .first, pinSource: any PINSource,
        touchPrompt: @escaping @Sendable (SecurityKeyDevice) -> Void = { _ in }, timeout: Duration = .seconds(60),
        transport: (any SecurityKeyTransport)? = nil
    ) {
        self.choice = device
        self.pinSource = pinSource
        self.touchPrompt = touchPrompt
        self.timeout = timeout
        self.transport = transport
    }

    /// The security keys plugged in now, for a chooser.
    /// - Parameter transport: where keys are found; nil is the system's USB keys.
    public static func devices(transport: (any SecurityKeyTransport)? = nil) async throws -> [SecurityKeyDevice] {
        try await BlockingWork.run { try Fido2Device.list(transport: transport) }
    }

    /// Creates a discoverable ES256 credential with hmac-secret, verifying the user.
    /// - Throws: `PasskeyError`: `.noSecurityKey`, `.hmacSecretUnsupported`, `.pinNotSet`,
    ///   `.wrongPIN`, `.pinBlocked`, `.timeout`, `.cancelled`, `.invalidRequest`, `.deviceError`.
    public func makeCredential(_ request: CredentialRequest) async throws -> MadeCredential {
        try PasskeyError.checkClientDataHash(request.clientDataHash)
        try SoftwareCredential.validate(rpID: request.rpID, userID: request.userID, userName: request.userName)
        return try await withDevice { device, pin in try device.makeCredential(request, pin: pin) }
    }

    /// Gets an assertion with user verification and, when asked, the PRF outputs.
    /// - Throws: `PasskeyError`: as `makeCredential`, and `.noCredential`.
    public func getAssertion(_ request: AssertionRequest) async throws -> Assertion {
        try PasskeyError.checkClientDataHash(request.clientDataHash)
        return try await withDevice { device, pin in try device.getAssertion(request, pin: pin) }
    }

    /// Sets the first PIN of a key that has none: a key needs one before it can verify the user.
    /// - Throws: `PasskeyError` `.invalidRequest` when the PIN is not 4 to 63 bytes, the key
    ///   already has one or refuses it; `.noSecurityKey`, `.deviceError`.
    public func setPIN(_ pin: SecureBytes) async throws {
        guard (4...63).contains(pin.count) else {
            throw PasskeyError(.invalidRequest, "a security key PIN is 4 to 63 bytes long")
        }
        let device = try await openChosenDevice()
        defer { device.close() }
        switch device.options["clientPin"] {
        case false?: try await BlockingWork.run { try device.setPIN(pin) }
        case true?:
            throw PasskeyError(.invalidRequest, "\(device.device) already has a PIN; change it with the key's own tool")
        case nil: throw PasskeyError(.invalidRequest, "\(device.device) does not support a PIN")
        }
    }

    /// Opens the chosen key.
    private func openChosenDevice() async throws -> Fido2Device {
        let milliseconds = Int32(
            clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try await BlockingWork.run { [choice, transport] in
            let devices = try Fido2Device.list(transport: transport)
            let chosen: SecurityKeyDevice
            switch choice {
            case .first:
                guard let first = devices.first else {
                    throw PasskeyError(.noSecurityKey, "no security key is plugged in; plug one in and retry")
                }
                chosen = first
            case .path(let path):
                guard let match = devices.first(where: { $0.path == path }) else {
                    throw PasskeyError(
                        .noSecurityKey, "there is no security key at \(path); plug it in or choose another key")
                }
                chosen = match
            }
            return try Fido2Device.open(chosen, transport: transport, timeoutMilliseconds: milliseconds)
        }
    }

    /// Opens the chosen key, checks it, gets the PIN, prompts for a touch and runs `ceremony`.
    private func withDevice<T: Sendable>(
        _ ceremony: @escaping @Sendable (Fido2Device, SecureBytes?) throws -> T
    ) async throws -> T {
        let device = try await openChosenDevice()
        defer { device.close() }
        guard device.extensions.contains("hmac-secret") else { throw Fido2Status.hmacSecretUnsupported(device.device) }
        // Measured from the ceremony's start, not the PIN prompt's: libfido2's budget starts there.
        var started = ContinuousClock.now
        do {
            let (pin, typed) = try await pin(for: device)
            try Task.checkCancellation()
            touchPrompt(device.device)
            started = .now
            let result = try await withTaskCancellationHandler {
                try await BlockingWork.run {
                    // A cancel that came before the ceremony began reached an idle key.
                    if device.wasCancelled { throw CancellationError() }
                    return try ceremony(device, pin)
                }
            } onCancel: {
                device.cancel()
            }
            // Only a PIN just typed starts the two minutes; reusing one does not extend them.
            if let pin, typed { acceptedPIN.keep(pin) }
            return result
        } catch let failure as Fido2Device.Failure {
            if device.wasCancelled { throw Fido2Status.cancelled() }
            // libfido2 reports its own deadline passing as a failed read or write.
            if failure.status == FIDO_ERR_RX || failure.status == FIDO_ERR_TX, ContinuousClock.now - started >= timeout
            {
                device.cancel()
                throw Fido2Status.timeout(device.device)
            }
            if failure.status == FIDO_ERR_PIN_INVALID {
                acceptedPIN.forget()
                let left = (try? await BlockingWork.run { try device.pinRetries() }).map { " (\($0) attempts left)" }
                throw PasskeyError(.wrongPIN, "the PIN for \(device.device) is wrong\(left ?? ""); try again")
            }
            throw Fido2Status.error(failure.status, during: failure.step, on: device.device)
        } catch is CancellationError {
            throw Fido2Status.cancelled()
        }
    }

    /// The PIN to verify the user with (nil when the key verifies the user itself), and
    /// whether it was just typed rather than kept from an earlier call.
    private func pin(for device: Fido2Device) async throws -> (SecureBytes?, typed: Bool) {
        if device.options["uv"] == true { return (nil, false) }
        guard device.options["clientPin"] == true else { throw Fido2Status.pinNotSet(device.device) }
        let retries = try await BlockingWork.run { try device.pinRetries() }
        guard retries > 0 else { throw Fido2Status.pinBlocked(device.device) }
        if let accepted = acceptedPIN.current() { return (accepted, false) }
        guard let pin = try await pinSource.pin(for: PINRequest(device: device.device, retriesLeft: retries)),
            pin.count > 0
        else { throw Fido2Status.cancelled() }
        guard pin.count <= 63 else {
            throw PasskeyError(.wrongPIN, "a security key PIN is at most 63 bytes; this one is longer")
        }
        return (pin, true)
    }
}

/// The PIN a key last accepted, for a short while: locked memory, zeroed when replaced,
/// forgotten or freed with its authenticator.
private final class AcceptedPIN: Sendable {
    static let lifetime: Duration = .seconds(120)
    private let state = Mutex<(pin: SecureBytes, until: ContinuousClock.Instant)?>(nil)

    func keep(_ pin: SecureBytes) {
        state.withLock { $0 = (pin, .now + Self.lifetime) }
    }

    func current() -> SecureBytes? {
        state.withLock { state in
            guard let kept = state, ContinuousClock.now < kept.until else {
                state = nil
                return nil
            }
            return kept.pin
        }
    }

    func forget() {
        state.withLock { $0 = nil }
    }
}
