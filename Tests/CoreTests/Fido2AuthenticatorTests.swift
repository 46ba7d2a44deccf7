import Core
import Foundation
import Synchronization
import TestSupport
import Testing
import VirtualCTAP2
import Wire

/// libfido2's own CTAP2 code against a virtual security key: ceremonies Wire's verifiers
/// accept, PRF outputs the key computes independently, and each failure's own error.
@Suite struct Fido2AuthenticatorTests {
    typealias Support = PasskeyTestSupport

    /// Answers PIN prompts from a script (nil: the user cancels) and records each prompt.
    final class ScriptedPIN: PINSource {
        private let script: Mutex<[String?]>
        private let asked = Mutex<[PINRequest]>([])

        init(_ pins: String?...) { script = Mutex(pins) }

        var requests: [PINRequest] { asked.withLock { $0 } }

        func pin(for request: PINRequest) async throws -> SecureBytes? {
            asked.withLock { $0.append(request) }
            let next = script.withLock { $0.count > 1 ? $0.removeFirst() : $0.first ?? nil }
            return next.map { SecureBytes(copying: Array($0.utf8)) }
        }
    }

    /// Counts touch prompts.
    final class TouchCounter: Sendable {
        private let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .relaxed) }
        func touch(_ device: SecurityKeyDevice) { count.add(1, ordering: .relaxed) }
    }

    static func authenticator(
        _ transport: any SecurityKeyTransport, pins: ScriptedPIN = ScriptedPIN("1234"),
        touches: TouchCounter = TouchCounter(), timeout: Duration = .seconds(20),
        device: Fido2Authenticator.DeviceChoice = .first
    ) -> Fido2Authenticator {
        Fido2Authenticator(
            device: device, pinSource: pins, touchPrompt: { touches.touch($0) }, timeout: timeout,
            transport: transport)
    }

    static func credentialRequest(user: String = "user-1") -> CredentialRequest {
        CredentialRequest(
            rpID: Support.rpID, userID: Array(user.utf8), userName: user,
            clientDataHash: HashFunction.sha256.hash(Support.clientDataJSON(type: "webauthn.create", challenge: [1])))
    }

    static func assertionRequest(
        allowing ids: [[UInt8]] = [], prf: PRFInputs? = KeyHierarchy.prfInputs
    )
        -> AssertionRequest
    {
        AssertionRequest(
            rpID: Support.rpID, clientDataHash: [UInt8](repeating: 7, count: 32), allowedCredentialIDs: ids, prf: prf)
    }

    /// The code of the `PasskeyError` `body` throws.
    static func errorCode(_ body: () async throws -> Void) async -> PasskeyErrorCode? {
        do {
            try await body()
            return nil
        } catch let error as PasskeyError {
            return error.code
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    // MARK: Ceremonies

    @Test(arguments: [VirtualAuthenticatorConfiguration.Attestation.packedSelf, .none], [true, false])
    func registrationAndAssertionVerifyWithWiresVerifiers(
        attestation: VirtualAuthenticatorConfiguration.Attestation, ctap21: Bool
    ) async throws {
        let key = VirtualSecurityKey(.init(ctap21: ctap21, attestation: attestation))
        let touches = TouchCounter()
        let pins = ScriptedPIN("1234")
        let authenticator = Self.authenticator(key, pins: pins, touches: touches)
        #expect(authenticator.kind == .securityKey)
        let ceremonies = try await Support.verifiedCeremonies(authenticator)
        let (made, registration, assertion) = (ceremonies.made, ceremonies.registration, ceremonies.assertion)
        #expect(made.kind == .securityKey)
        #expect(registration.credentialID == made.credentialID)
        #expect(registration.publicKey == made.publicKey)
        #expect(registration.publicKey.algorithm == .es256)
        #expect(registration.attestation.format == (attestation == .none ? "none" : "packed"))
        #expect(registration.attestation.type == (attestation == .none ? .none : .selfAttestation))
        #expect(registration.flags.contains([.userPresent, .userVerified]))
        #expect(registration.extensions?["hmac-secret"] == .bool(true))
        #expect(key.credentialCount == 1)
        #expect(ceremonies.authentication.flags.contains([.userPresent, .userVerified]))
        #expect(ceremonies.authentication.signCount > registration.signCount)
        #expect(assertion.kind == .securityKey)
        #expect(assertion.credentialID == made.credentialID)
        #expect(assertion.userHandle == Array("user-1".utf8))
        #expect(assertion.prf?.first.count == 32)
        #expect(touches.value == 2)
        // libfido2 spoke CTAP2 to the key: info, then PIN token and the ceremony, each time.
        #expect(key.commandsReceived.filter { $0 != 0x04 } == [0x06, 0x06, 0x06, 0x01, 0x06, 0x06, 0x06, 0x02])
        // Asked once: the PIN the key accepted for the credential serves the assertion after it.
        #expect(pins.requests.map(\.retriesLeft) == [8])
        #expect(pins.requests.first?.device.product == "Virtual CTAP2 Key")
    }

    @Test func thePRFIsTheKeysHmacSecretOfTheTransformedSaltAndStable() async throws {
        let key = VirtualSecurityKey()
        let authenticator = Self.authenticator(key)
        let made = try await authenticator.makeCredential(Self.credentialRequest())
        let expected = try #require(
            key.hmacSecretOutput(
                credentialID: made.credentialID, salt: WebAuthnPRF.salt(for: KeyHierarchy.rootPRFInput)))
        // With the allow list, then as a discoverable credential (no allow list, as on a new machine).
        let first = try await authenticator.getAssertion(Self.assertionRequest(allowing: [made.credentialID]))
        let second = try await authenticator.getAssertion(Self.assertionRequest())
        #expect(first.prf?.first.unsafeCopyToArray() == expected)
        #expect(second.prf?.first.unsafeCopyToArray() == expected)
        #expect(second.credentialID == made.credentialID)
        #expect(first.prf?.second == nil)
        let none = try await authenticator.getAssertion(Self.assertionRequest(prf: nil))
        #expect(none.prf == nil)
    }

    @Test func twoPRFInputsGiveTwoOutputs() async throws {
        let key = VirtualSecurityKey()
        let authenticator = Self.authenticator(key)
        let made = try await authenticator.makeCredential(Self.credentialRequest())
        let inputs = PRFInputs(first: Array("old".utf8), second: Array("new".utf8))
        let assertion = try await authenticator.getAssertion(Self.assertionRequest(prf: inputs))
        let outputs = try #require(assertion.prf)
        let second = try #require(outputs.second)
        #expect(
            outputs.first.unsafeCopyToArray()
                == key.hmacSecretOutput(credentialID: made.credentialID, salt: WebAuthnPRF.salt(for: inputs.first)))
        #expect(
            second.unsafeCopyToArray()
                == key.hmacSecretOutput(credentialID: made.credentialID, salt: WebAuthnPRF.salt(for: inputs.second!)))
        #expect(outputs.first != second)
    }

    @Test func twoCredentialsHaveTheirOwnPRFs() async throws {
        let key = VirtualSecurityKey()
        let authenticator = Self.authenticator(key)
        let alice = try await authenticator.makeCredential(Self.credentialRequest(user: "alice"))
        let bob = try await authenticator.makeCredential(Self.credentialRequest(user: "bob"))
        #expect(alice.credentialID != bob.credentialID)
        let forAlice = try await authenticator.getAssertion(Self.assertionRequest(allowing: [alice.credentialID]))
        let forBob = try await authenticator.getAssertion(Self.assertionRequest(allowing: [bob.credentialID]))
        #expect(forAlice.credentialID == alice.credentialID)
        #expect(forBob.credentialID == bob.credentialID)
        #expect(forAlice.userHandle == Array("alice".utf8))
        #expect(try #require(forAlice.prf).first != (try #require(forBob.prf)).first)
        // Without an allow list the key lists both (libfido2 fetches the second with
        // GetNextAssertion) and the newest comes first.
        let discovered = try await authenticator.getAssertion(Self.assertionRequest())
        #expect(discovered.credentialID == bob.credentialID)
        #expect(key.commandsReceived.last == 0x08)
        #expect(discovered.prf?.first == forBob.prf?.first)
    }

    @Test func theW3CPRFVectorsComeThroughLibfido2() async throws {
        let vectors = try SoftwareAuthenticatorTests.prfVectors()
        let credRandom = try Hex.decode(try #require(vectors["shared_inputs"]?["authenticator_cred_random"]))
        let key = VirtualSecurityKey(.init(credRandoms: [credRandom]))
        let authenticator = Self.authenticator(key)
        let made = try await authenticator.makeCredential(Self.credentialRequest())
        var checked = 0
        for block in ["single_input_pin_protocol_2", "two_inputs_pin_protocol_2"] {
            let fields = try #require(vectors[block])
            let first = try Hex.decode(try #require(fields["prf_eval_first"]))
            let second = try fields["prf_eval_second"].map { try Hex.decode($0) }
            let assertion = try await authenticator.getAssertion(
                Self.assertionRequest(allowing: [made.credentialID], prf: PRFInputs(first: first, second: second)))
            let outputs = try #require(assertion.prf)
            #expect(Hex.encode(outputs.first.unsafeCopyToArray()) == fields["prf_results_first"], "\(block)")
            checked += 1
            if let expected = fields["prf_results_second"] {
                #expect(outputs.second.map { Hex.encode($0.unsafeCopyToArray()) } == expected, "\(block)")
                checked += 1
            }
        }
        #expect(checked == 3)
    }

    // MARK: Discovery

    @Test func listsAndChoosesKeysByPath() async throws {
        let one = VirtualSecurityKey(path: "virtual:one")
        let two = VirtualSecurityKey(path: "virtual:two")
        let ring = VirtualKeyRing([one, two])
        let devices = try await Fido2Authenticator.devices(transport: ring)
        #expect(devices.map(\.path) == ["virtual:one", "virtual:two"])
        #expect(devices[0].description == "Sotto Virtual CTAP2 Key (virtual:one)")
        _ = try await Self.authenticator(ring, device: .path("virtual:two")).makeCredential(Self.credentialRequest())
        #expect(two.credentialCount == 1)
        #expect(one.credentialCount == 0)
        _ = try await Self.authenticator(ring).makeCredential(Self.credentialRequest())
        #expect(one.credentialCount == 1)
    }

    @Test func noKeyIsItsOwnError() async throws {
        let empty = Self.authenticator(VirtualKeyRing([]))
        #expect(await Self.errorCode { _ = try await empty.makeCredential(Self.credentialRequest()) } == .noSecurityKey)
        #expect(await Self.errorCode { _ = try await empty.getAssertion(Self.assertionRequest()) } == .noSecurityKey)
        let elsewhere = Self.authenticator(VirtualKeyRing([VirtualSecurityKey()]), device: .path("/dev/hidraw99"))
        #expect(
            await Self.errorCode { _ = try await elsewhere.makeCredential(Self.credentialRequest()) } == .noSecurityKey)
    }

    @Test func listingTheSystemsKeysDoesNotFail() async throws {
        // libfido2's real HID discovery; there may or may not be keys on this machine.
        _ = try await Fido2Authenticator.devices()
    }

    // MARK: Refusals

    @Test func everyPasskeyErrorHasItsOwnCode() {
        #expect(Set(PasskeyErrorCode.allCases.map(\.rawValue)).count == PasskeyErrorCode.allCases.count)
    }

    @Test func aKeyWithoutHmacSecretIsRefusedBeforeAnyPIN() async throws {
        let key = VirtualSecurityKey(.init(hmacSecret: false))
        let pins = ScriptedPIN("1234")
        let authenticator = Self.authenticator(key, pins: pins)
        #expect(
            await Self.errorCode { _ = try await authenticator.makeCredential(Self.credentialRequest()) }
                == .hmacSecretUnsupported)
        #expect(pins.requests.isEmpty)
        #expect(key.credentialCount == 0)
    }

    @Test func aKeyWithoutAPINIsRefusedUntilOneIsSet() async throws {
        let key = VirtualSecurityKey(.init(pin: nil))
        let authenticator = Self.authenticator(key, pins: ScriptedPIN("4321"))
        #expect(
            await Self.errorCode { _ = try await authenticator.makeCredential(Self.credentialRequest()) } == .pinNotSet)
        #expect(await Self.errorCode { try await authenticator.setPIN(Support.passphrase("123")) } == .invalidRequest)
        try await authenticator.setPIN(Support.passphrase("4321"))
        #expect(await Self.errorCode { try await authenticator.setPIN(Support.passphrase("5678")) } == .invalidRequest)
        _ = try await authenticator.makeCredential(Self.credentialRequest())
        #expect(key.credentialCount == 1)
    }

    @Test func anAssertionForAnotherServiceFindsNoCredential() async throws {
        let key = VirtualSecurityKey()
        let authenticator = Self.authenticator(key)
        _ = try await authenticator.makeCredential(Self.credentialRequest())
        let code = await Self.errorCode {
            _ = try await authenticator.getAssertion(
                AssertionRequest(rpID: "other.example", clientDataHash: [UInt8](repeating: 1, count: 32)))
        }
        #expect(code == .noCredential)
    }

    // MARK: PIN

    @Test func aWrongPINIsItsOwnErrorAndTheRetriesGoDown() async throws {
        let key = VirtualSecurityKey()
        let pins = ScriptedPIN("0000", "9999", "1234")
        let authenticator = Self.authenticator(key, pins: pins)
        var messages = [String]()
        for _ in 0..<2 {
            do {
                _ = try await authenticator.makeCredential(Self.credentialRequest())
                Issue.record("a wrong PIN was accepted")
            } catch let error as PasskeyError {
                #expect(error.code == .wrongPIN)
                messages.append(error.message)
            }
        }
        #expect(pins.requests.map(\.retriesLeft) == [8, 7])
        #expect(key.pinRetries == 6)
        #expect(messages.last?.contains("6 attempts left") == true)
        #expect(!messages.joined().contains("0000") && !messages.joined().contains("9999"))
        _ = try await authenticator.makeCredential(Self.credentialRequest())
        #expect(pins.requests.map(\.retriesLeft) == [8, 7, 6])
        #expect(key.pinRetries == 8)
    }

    @Test func aBlockedPINIsItsOwnError() async throws {
        let key = VirtualSecurityKey(.init(pinRetries: 2))
        let pins = ScriptedPIN("0000")
        let authenticator = Self.authenticator(key, pins: pins)
        #expect(
            await Self.errorCode { _ = try await authenticator.makeCredential(Self.credentialRequest()) } == .wrongPIN)
        #expect(
            await Self.errorCode { _ = try await authenticator.makeCredential(Self.credentialRequest()) } == .pinBlocked
        )
        #expect(key.pinRetries == 0)
        // Once blocked, nobody is asked for a PIN that cannot work.
        #expect(
            await Self.errorCode { _ = try await authenticator.getAssertion(Self.assertionRequest()) } == .pinBlocked)
        #expect(pins.requests.count == 2)
    }

    @Test func cancellingThePINPromptIsACancel() async throws {
        let authenticator = Self.authenticator(VirtualSecurityKey(), pins: ScriptedPIN(nil))
        #expect(
            await Self.errorCode { _ = try await authenticator.makeCredential(Self.credentialRequest()) } == .cancelled)
    }

    // MARK: Touch

    @Test func declining() async throws {
        let key = VirtualSecurityKey()
        let authenticator = Self.authenticator(key)
        _ = try await authenticator.makeCredential(Self.credentialRequest())
        key.setPresence(.declines)
        #expect(
            await Self.errorCode { _ = try await authenticator.getAssertion(Self.assertionRequest()) } == .cancelled)
    }

    @Test func theKeyTimingOut() async throws {
        let key = VirtualSecurityKey(.init(presence: .timesOut))
        let authenticator = Self.authenticator(key)
        #expect(
            await Self.errorCode { _ = try await authenticator.makeCredential(Self.credentialRequest()) } == .timeout)
        #expect(key.credentialCount == 0)
    }

    @Test func libfido2sOwnDeadlineIsATimeoutAndCancelsOnTheKey() async throws {
        let key = VirtualSecurityKey(.init(presence: .neverTouches))
        // Long enough for the PIN exchange before the wait, even on a busy machine.
        let authenticator = Self.authenticator(key, timeout: .seconds(1))
        #expect(
            await Self.errorCode { _ = try await authenticator.makeCredential(Self.credentialRequest()) } == .timeout)
        #expect(key.cancelCount == 1)
        #expect(key.credentialCount == 0)
    }

    @Test func cancellingTheTaskCancelsOnTheKey() async throws {
        let key = VirtualSecurityKey(.init(presence: .neverTouches))
        let authenticator = Self.authenticator(key)
        let task = Task { try await authenticator.makeCredential(Self.credentialRequest()) }
        let clock = ContinuousClock()
        // Generous: on a busy machine the task may wait long for a thread.
        let deadline = clock.now + .seconds(120)
        while !key.isWaitingForTouch && clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(key.isWaitingForTouch)
        task.cancel()
        #expect(await Self.errorCode { _ = try await task.value } == .cancelled)
        #expect(key.cancelCount == 1)
        #expect(key.credentialCount == 0)
    }
}
