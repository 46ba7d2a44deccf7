import Core
import Foundation
import Synchronization

/// A virtual FIDO2 security key on a virtual HID bus: it speaks CTAPHID (INIT with channel
/// allocation, CBOR, continuation packets, KEEPALIVE while it waits for a touch, CANCEL,
/// ERROR) over 64-byte reports, so libfido2's real code runs against it through
/// `SecurityKeyTransport`. Its state (credentials, PIN, retries) outlives connections, as a
/// physical key's does.
public final class VirtualSecurityKey: SecurityKeyTransport, Sendable {
    /// Where discovery lists it.
    public let path: String
    private let product: String
    private let state: Mutex<State>
    /// How long the key takes between KEEPALIVE reports while it waits for a touch.
    private static let keepaliveInterval = Duration.milliseconds(10)

    private struct Pending {
        let channel: [UInt8]
        let finish: () -> [UInt8]
        var keepalives = 0
    }

    private struct State {
        var authenticator: VirtualAuthenticator
        var channels: [[UInt8]] = []
        var nextChannel: UInt32 = 1
        var assembly: (channel: [UInt8], message: CTAPHID.Assembly)?
        var outbox: [[UInt8]] = []
        var pending: Pending?
        var cancels = 0
        var commands: [UInt8] = []
    }

    /// A key behaving as `configuration` says, at `path`.
    public init(_ configuration: VirtualAuthenticatorConfiguration = .init(), path: String = "virtual:key-1") {
        self.path = path
        self.product = configuration.product
        state = Mutex(State(authenticator: VirtualAuthenticator(configuration: configuration)))
    }

    // MARK: What tests look at and change

    /// Wrong PINs the key still accepts.
    public var pinRetries: Int { state.withLock { $0.authenticator.configuration.pinRetries } }

    /// How many credentials the key holds.
    public var credentialCount: Int { state.withLock { $0.authenticator.credentials.count } }

    /// Whether the key is waiting for a touch right now.
    public var isWaitingForTouch: Bool { state.withLock { $0.pending != nil } }

    /// The CTAP2 command bytes the key received, in order (0x04 getInfo, 0x06 clientPIN, …).
    public var commandsReceived: [UInt8] { state.withLock { $0.commands } }

    /// How many CTAPHID_CANCEL reports cancelled a waiting request.
    public var cancelCount: Int { state.withLock { $0.cancels } }

    /// Changes what the user does at the next touches.
    public func setPresence(_ presence: VirtualAuthenticatorConfiguration.UserPresence) {
        state.withLock { $0.authenticator.configuration.presence = presence }
    }

    /// What the key computes for hmac-secret with user verification: HMAC-SHA-256 of `salt`
    /// under the CredRandom of the credential `credentialID`; nil for an unknown credential.
    public func hmacSecretOutput(credentialID: [UInt8], salt: [UInt8]) -> [UInt8]? {
        state.withLock { state in
            state.authenticator.credentials.first { $0.id == credentialID }.map {
                VirtualAuthenticator.hmacSecretOutput(credRandom: $0.credRandomWithUV, salt: salt)
            }
        }
    }

    // MARK: SecurityKeyTransport

    public func devices() throws -> [SecurityKeyDevice] {
        [SecurityKeyDevice(path: path, manufacturer: "Sotto", product: product)]
    }

    public func open(path: String) throws -> any SecurityKeyConnection {
        guard path == self.path else { throw PasskeyError(.noSecurityKey, "no virtual security key at \(path)") }
        // A new connection starts clean, as after replugging: nothing half-sent is left.
        state.withLock {
            $0.outbox = []
            $0.assembly = nil
            $0.pending = nil
        }
        return Connection(key: self)
    }

    private final class Connection: SecurityKeyConnection, Sendable {
        let key: VirtualSecurityKey
        init(key: VirtualSecurityKey) { self.key = key }
        func write(report: [UInt8]) -> Bool { key.receive(report) }
        func read(timeoutMilliseconds: Int) -> [UInt8]? { key.nextReport(timeoutMilliseconds: timeoutMilliseconds) }
        func close() { key.state.withLock { $0.pending = nil } }
    }

    // MARK: CTAPHID, host to key

    private func receive(_ report: [UInt8]) -> Bool {
        guard report.count == CTAPHID.reportSize else { return false }
        state.withLock { state in
            let channel = Array(report[0..<4])
            if report[4] & 0x80 != 0 {
                receiveInitialisation(report, channel: channel, state: &state)
            } else {
                receiveContinuation(report, channel: channel, state: &state)
            }
        }
        return true
    }

    private func receiveInitialisation(_ report: [UInt8], channel: [UInt8], state: inout State) {
        let command = report[4]
        let length = Int(report[5]) << 8 | Int(report[6])
        if command == CTAPHID.Command.cancel {
            if let pending = state.pending, pending.channel == channel {
                state.pending = nil
                state.cancels += 1
                reply(channel, CTAPHID.Command.cbor, [VirtualAuthenticator.Status.keepaliveCancel], &state)
            }
            return
        }
        if command == CTAPHID.Command.initialise {
            guard length == 8 else { return error(channel, CTAPHID.ErrorCode.invalidLength, &state) }
            return initialise(channel: channel, nonce: Array(report[7..<15]), state: &state)
        }
        if let pending = state.pending, pending.channel != channel {
            return error(channel, CTAPHID.ErrorCode.channelBusy, &state)
        }
        guard state.channels.contains(channel) else { return error(channel, CTAPHID.ErrorCode.invalidChannel, &state) }
        guard length <= 7609 else { return error(channel, CTAPHID.ErrorCode.invalidLength, &state) }
        let first = Array(report[7..<7 + min(57, length)])
        state.assembly = (channel, CTAPHID.Assembly(command: command, length: length, payload: first))
        completeIfReady(&state)
    }

    private func receiveContinuation(_ report: [UInt8], channel: [UInt8], state: inout State) {
        guard var current = state.assembly, current.channel == channel else {
            return error(channel, CTAPHID.ErrorCode.invalidSequence, &state)
        }
        guard report[4] == current.message.nextSequence else {
            state.assembly = nil
            return error(channel, CTAPHID.ErrorCode.invalidSequence, &state)
        }
        current.message.nextSequence += 1
        current.message.payload += report[5..<5 + min(59, current.message.length - current.message.payload.count)]
        state.assembly = current
        completeIfReady(&state)
    }

    private func completeIfReady(_ state: inout State) {
        guard let (channel, message) = state.assembly, message.isComplete else { return }
        state.assembly = nil
        switch message.command {
        case CTAPHID.Command.ping:
            reply(channel, CTAPHID.Command.ping, message.payload, &state)
        case CTAPHID.Command.wink:
            reply(channel, CTAPHID.Command.wink, [], &state)
        case CTAPHID.Command.cbor:
            if let command = message.payload.first { state.commands.append(command) }
            switch state.authenticator.handle(message.payload) {
            case .reply(let response):
                reply(channel, CTAPHID.Command.cbor, response, &state)
            case .needsTouch(let finish):
                state.pending = Pending(channel: channel, finish: finish)
                if case .touches(let after) = state.authenticator.configuration.presence, after <= 0 {
                    resolvePending(&state)
                }
            }
        default:
            // Including CTAPHID_MSG: this key speaks no U2F.
            error(channel, CTAPHID.ErrorCode.invalidCommand, &state)
        }
    }

    private func initialise(channel: [UInt8], nonce: [UInt8], state: inout State) {
        let assigned: [UInt8]
        if channel == CTAPHID.broadcast {
            let number = state.nextChannel
            state.nextChannel += 1
            assigned = [
                UInt8(number >> 24), UInt8(number >> 16 & 0xff), UInt8(number >> 8 & 0xff), UInt8(number & 0xff),
            ]
            state.channels.append(assigned)
        } else {
            // INIT on an allocated channel resynchronises it.
            assigned = channel
            if state.pending?.channel == channel { state.pending = nil }
        }
        // Protocol version 2, device version 1.0.0, capabilities WINK | CBOR | NMSG.
        reply(channel, CTAPHID.Command.initialise, nonce + assigned + [2, 1, 0, 0, 0x01 | 0x04 | 0x08], &state)
    }

    // MARK: CTAPHID, key to host

    private func reply(_ channel: [UInt8], _ command: UInt8, _ payload: [UInt8], _ state: inout State) {
        state.outbox += CTAPHID.frames(channel: channel, command: command, payload: payload)
    }

    private func error(_ channel: [UInt8], _ code: UInt8, _ state: inout State) {
        reply(channel, CTAPHID.Command.error, [code], &state)
    }

    /// The next report for the host. Time passes on the key's side only while the host waits,
    /// so a waiting request sends a KEEPALIVE every `keepaliveInterval` and the user's
    /// touch (or refusal) comes after the configured number of them.
    private func nextReport(timeoutMilliseconds: Int) -> [UInt8]? {
        let clock = ContinuousClock()
        let deadline = timeoutMilliseconds < 0 ? nil : clock.now + .milliseconds(timeoutMilliseconds)
        // A host that would wait forever for a key with nothing to say gets nothing after a
        // while instead of hanging the test.
        let idleLimit = clock.now + .seconds(10)
        while true {
            if let report = state.withLock({ $0.outbox.isEmpty ? nil : $0.outbox.removeFirst() }) { return report }
            let now = clock.now
            if let deadline, now >= deadline { return nil }
            if now >= idleLimit && !isWaitingForTouch { return nil }
            var step = Self.keepaliveInterval
            if let deadline { step = min(step, deadline - now) }
            Thread.sleep(forTimeInterval: Double(step.components.attoseconds) / 1e18 + Double(step.components.seconds))
            state.withLock { state in
                guard var pending = state.pending else { return }
                pending.keepalives += 1
                state.pending = pending
                reply(pending.channel, CTAPHID.Command.keepalive, [CTAPHID.KeepaliveStatus.userPresenceNeeded], &state)
                switch state.authenticator.configuration.presence {
                case .touches(let after) where pending.keepalives >= after:
                    resolvePending(&state)
                case .declines where pending.keepalives >= 2:
                    state.pending = nil
                    reply(pending.channel, CTAPHID.Command.cbor, [VirtualAuthenticator.Status.operationDenied], &state)
                case .timesOut where pending.keepalives >= 3:
                    state.pending = nil
                    reply(
                        pending.channel, CTAPHID.Command.cbor, [VirtualAuthenticator.Status.userActionTimeout], &state)
                default:
                    break
                }
            }
        }
    }

    private func resolvePending(_ state: inout State) {
        guard let pending = state.pending else { return }
        state.pending = nil
        reply(pending.channel, CTAPHID.Command.cbor, pending.finish(), &state)
    }
}
