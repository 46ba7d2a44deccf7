import Crypto
import Foundation
import Wire

/// The CTAP2 side of a virtual security key: authenticatorGetInfo, MakeCredential,
/// GetAssertion, GetNextAssertion and ClientPIN (protocol 2), with hmac-secret, following
/// CTAP 2.1 closely enough for libfido2's own code to run against it. Not thread-safe:
/// `VirtualSecurityKey` holds it under its lock.
final class VirtualAuthenticator {
    /// What a command leads to: a reply now, or a reply once the user touches the key.
    enum Outcome {
        case reply([UInt8])
        case needsTouch(finish: () -> [UInt8])
    }

    /// A credential the key holds.
    struct Credential {
        let id: [UInt8]
        let rpID: String
        let userID: [UInt8]
        let userName: String
        let privateKey: P256.Signing.PrivateKey
        let credRandomWithUV: [UInt8]
        let credRandomWithoutUV: [UInt8]
        let hmacSecret: Bool
        let discoverable: Bool
    }

    /// The hmac-secret request of a GetAssertion, kept for GetNextAssertion.
    private struct HMACSecretRequest {
        let secret: PINProtocolTwo.SharedSecret
        let salts: [[UInt8]]
    }

    private struct PendingAssertions {
        var credentials: [Credential]
        let clientDataHash: [UInt8]
        let userVerified: Bool
        let hmacSecret: HMACSecretRequest?
    }

    private struct PINToken {
        let bytes: [UInt8]
        let permissions: Int
        var rpID: String?
    }

    static let aaguid: [UInt8] = Array("sotto-virtual-k1".utf8)

    var configuration: VirtualAuthenticatorConfiguration
    private(set) var credentials: [Credential] = []
    private var pinProtocol = PINProtocolTwo()
    private var consecutiveWrongPINs = 0
    private var token: PINToken?
    private var signCount: UInt32 = 0
    private var pending: PendingAssertions?

    init(configuration: VirtualAuthenticatorConfiguration) {
        self.configuration = configuration
    }

    /// The key's CTAP2 answer to one CTAPHID_CBOR message (command byte, then CBOR).
    func handle(_ message: [UInt8]) -> Outcome {
        guard let command = message.first else { return .reply([Status.invalidLength]) }
        var parameters = CBORValue.map([])
        if message.count > 1 {
            guard let decoded = try? CBORDecoder(mode: .lenient).decode(Array(message.dropFirst())),
                decoded.mapValue != nil
            else {
                return .reply([Status.invalidCBOR])
            }
            parameters = decoded
        }
        switch command {
        case 0x04: return .reply(success(getInfo()))
        case 0x01: return makeCredential(parameters)
        case 0x02: return getAssertion(parameters)
        case 0x08: return .reply(getNextAssertion())
        case 0x06: return .reply(clientPIN(parameters))
        default: return .reply([Status.invalidCommand])
        }
    }

    // MARK: authenticatorGetInfo

    private func getInfo() -> CBORValue {
        var options = [
            CBORMapEntry(.text("rk"), .bool(true)), CBORMapEntry(.text("up"), .bool(true)),
            CBORMapEntry(.text("plat"), .bool(false)),
            CBORMapEntry(.text("clientPin"), .bool(configuration.pin != nil)),
        ]
        if configuration.ctap21 { options.append(CBORMapEntry(.text("pinUvAuthToken"), .bool(true))) }
        var entries = [
            CBORMapEntry(
                .int(1), .array((configuration.ctap21 ? ["FIDO_2_0", "FIDO_2_1"] : ["FIDO_2_0"]).map { .text($0) })),
            CBORMapEntry(.int(3), .bytes(Self.aaguid)), CBORMapEntry(.int(4), .map(options)),
            CBORMapEntry(.int(5), .int(1200)), CBORMapEntry(.int(6), .array([.int(2)])),
        ]
        if configuration.hmacSecret { entries.append(CBORMapEntry(.int(2), .array([.text("hmac-secret")]))) }
        return .map(entries)
    }

    // MARK: authenticatorMakeCredential

    private func makeCredential(_ parameters: CBORValue) -> Outcome {
        guard let clientDataHash = parameters[1]?.bytesValue, let rpID = parameters[2]?["id"]?.textValue,
            let user = parameters[3], let userID = user["id"]?.bytesValue, let algorithms = parameters[4]?.arrayValue
        else { return .reply([Status.missingParameter]) }
        guard algorithms.contains(where: { $0["alg"]?.intValue == -7 && $0["type"]?.textValue == "public-key" }) else {
            return .reply([Status.unsupportedAlgorithm])
        }
        let excluded = parameters[5]?.arrayValue?.compactMap { $0["id"]?.bytesValue } ?? []
        if credentials.contains(where: { $0.rpID == rpID && excluded.contains($0.id) }) {
            return .reply([Status.credentialExcluded])
        }
        let options = parameters[7]
        // This key has no built-in user verification, and CTAP 2.1 forbids "up" here.
        if options?["uv"] == .bool(true) || options?["up"] != nil { return .reply([Status.invalidOption]) }
        let discoverable = options?["rk"] == .bool(true)
        var userVerified = false
        if let auth = parameters[8]?.bytesValue {
            guard parameters[9]?.intValue == 2 else { return .reply([Status.invalidParameter]) }
            guard verifyToken(auth, message: clientDataHash, permission: 0x01, rpID: rpID) else {
                return .reply([Status.pinAuthInvalid])
            }
            userVerified = true
        } else if configuration.pin != nil {
            return .reply([Status.pinRequired])
        }
        let hmacSecret = configuration.hmacSecret && parameters[6]?["hmac-secret"] == .bool(true)
        let userName = user["name"]?.textValue ?? ""
        return .needsTouch { [self] in
            let credRandom =
                configuration.credRandoms.isEmpty ? SecureRandom.bytes(32) : configuration.credRandoms.removeFirst()
            let credential = Credential(
                id: SecureRandom.bytes(32), rpID: rpID, userID: userID, userName: userName,
                privateKey: P256.Signing.PrivateKey(), credRandomWithUV: credRandom,
                credRandomWithoutUV: SecureRandom.bytes(32), hmacSecret: hmacSecret, discoverable: discoverable)
            if discoverable {
                credentials.removeAll { $0.discoverable && $0.rpID == rpID && $0.userID == userID }
            }
            credentials.append(credential)
            signCount += 1
            let point = Array(credential.privateKey.publicKey.x963Representation)
            let key = try! COSEKey(
                algorithm: .es256, parameters: .ec2(curve: .p256, x: Array(point[1...32]), y: Array(point[33...64])))
            var flags: AuthenticatorFlags = [.userPresent, .attestedCredentialData]
            if userVerified { flags.insert(.userVerified) }
            if hmacSecret { flags.insert(.extensionData) }
            var data = authenticatorDataPrefix(rpID: rpID, flags: flags)
            data += Self.aaguid + [UInt8(credential.id.count >> 8), UInt8(credential.id.count & 0xff)] + credential.id
            data += key.encoded
            if hmacSecret { data += CBOREncoder.encode(.map([CBORMapEntry(.text("hmac-secret"), .bool(true))])) }
            let format: String
            let statement: CBORValue
            switch configuration.attestation {
            case .packedSelf:
                let signature = try! credential.privateKey.signature(for: data + clientDataHash)
                format = "packed"
                statement = .map([
                    CBORMapEntry(.text("alg"), .int(-7)),
                    CBORMapEntry(.text("sig"), .bytes(Array(signature.derRepresentation))),
                ])
            case .none:
                format = "none"
                statement = .map([])
            }
            return success(
                .map([
                    CBORMapEntry(.int(1), .text(format)), CBORMapEntry(.int(2), .bytes(data)),
                    CBORMapEntry(.int(3), statement),
                ]))
        }
    }

    // MARK: authenticatorGetAssertion, authenticatorGetNextAssertion

    private func getAssertion(_ parameters: CBORValue) -> Outcome {
        pending = nil
        guard let rpID = parameters[1]?.textValue, let clientDataHash = parameters[2]?.bytesValue else {
            return .reply([Status.missingParameter])
        }
        let allowList = parameters[3]?.arrayValue?.compactMap { $0["id"]?.bytesValue }
        if parameters[5]?["uv"] == .bool(true) { return .reply([Status.invalidOption]) }
        var userVerified = false
        if let auth = parameters[6]?.bytesValue {
            guard parameters[7]?.intValue == 2 else { return .reply([Status.invalidParameter]) }
            guard verifyToken(auth, message: clientDataHash, permission: 0x02, rpID: rpID) else {
                return .reply([Status.pinAuthInvalid])
            }
            userVerified = true
        }
        var hmacRequest: HMACSecretRequest?
        if configuration.hmacSecret, let extensionInput = parameters[4]?["hmac-secret"] {
            guard extensionInput[4]?.intValue == 2 else { return .reply([Status.invalidParameter]) }
            guard let platformKey = extensionInput[1], let saltEnc = extensionInput[2]?.bytesValue,
                let saltAuth = extensionInput[3]?.bytesValue
            else { return .reply([Status.missingParameter]) }
            guard let secret = pinProtocol.sharedSecret(with: platformKey) else {
                return .reply([Status.invalidParameter])
            }
            guard PINProtocolTwo.verify(saltAuth, of: saltEnc, key: secret.hmacKey) else {
                return .reply([Status.pinAuthInvalid])
            }
            guard let salts = PINProtocolTwo.decrypt(saltEnc, key: secret.aesKey),
                salts.count == 32 || salts.count == 64
            else { return .reply([Status.invalidLength]) }
            hmacRequest = HMACSecretRequest(
                secret: secret, salts: stride(from: 0, to: salts.count, by: 32).map { Array(salts[$0..<$0 + 32]) })
        }
        let candidates: [Credential]
        if let allowList {
            candidates = credentials.filter { $0.rpID == rpID && allowList.contains($0.id) }
        } else {
            candidates = credentials.filter { $0.rpID == rpID && $0.discoverable }.reversed()
        }
        guard let first = candidates.first else { return .reply([Status.noCredentials]) }
        let request = hmacRequest
        return .needsTouch { [self] in
            let count = allowList == nil && candidates.count > 1 ? candidates.count : nil
            if count != nil {
                pending = PendingAssertions(
                    credentials: Array(candidates.dropFirst()), clientDataHash: clientDataHash,
                    userVerified: userVerified, hmacSecret: request)
            }
            return assertion(
                first, clientDataHash: clientDataHash, userVerified: userVerified, hmacSecret: request,
                numberOfCredentials: count)
        }
    }

    private func getNextAssertion() -> [UInt8] {
        guard var next = pending, !next.credentials.isEmpty else { return [Status.notAllowed] }
        let credential = next.credentials.removeFirst()
        pending = next.credentials.isEmpty ? nil : next
        return assertion(
            credential, clientDataHash: next.clientDataHash, userVerified: next.userVerified,
            hmacSecret: next.hmacSecret, numberOfCredentials: nil)
    }

    private func assertion(
        _ credential: Credential, clientDataHash: [UInt8], userVerified: Bool, hmacSecret: HMACSecretRequest?,
        numberOfCredentials: Int?
    ) -> [UInt8] {
        signCount += 1
        var flags: AuthenticatorFlags = [.userPresent]
        if userVerified { flags.insert(.userVerified) }
        var extensions = [UInt8]()
        if let hmacSecret, credential.hmacSecret {
            let credRandom = userVerified ? credential.credRandomWithUV : credential.credRandomWithoutUV
            let outputs = hmacSecret.salts.flatMap { Self.hmacSecretOutput(credRandom: credRandom, salt: $0) }
            let encrypted = PINProtocolTwo.encrypt(outputs, key: hmacSecret.secret.aesKey)
            extensions = CBOREncoder.encode(.map([CBORMapEntry(.text("hmac-secret"), .bytes(encrypted))]))
            flags.insert(.extensionData)
        }
        let data = authenticatorDataPrefix(rpID: credential.rpID, flags: flags) + extensions
        let signature = try! credential.privateKey.signature(for: data + clientDataHash)
        var entries = [
            CBORMapEntry(
                .int(1),
                .map([
                    CBORMapEntry(.text("id"), .bytes(credential.id)), CBORMapEntry(.text("type"), .text("public-key")),
                ])),
            CBORMapEntry(.int(2), .bytes(data)), CBORMapEntry(.int(3), .bytes(Array(signature.derRepresentation))),
            CBORMapEntry(.int(4), .map([CBORMapEntry(.text("id"), .bytes(credential.userID))])),
        ]
        if let numberOfCredentials { entries.append(CBORMapEntry(.int(5), .int(numberOfCredentials))) }
        return success(.map(entries))
    }

    /// hmac-secret's output for one salt: HMAC-SHA-256(CredRandom, salt).
    static func hmacSecretOutput(credRandom: [UInt8], salt: [UInt8]) -> [UInt8] {
        Array(Crypto.HMAC<SHA256>.authenticationCode(for: salt, using: SymmetricKey(data: credRandom)))
    }

    // MARK: authenticatorClientPIN

    private func clientPIN(_ parameters: CBORValue) -> [UInt8] {
        switch parameters[2]?.intValue {
        case 0x01:
            return success(.map([CBORMapEntry(.int(3), .int(configuration.pinRetries))]))
        case 0x02:
            guard parameters[1]?.intValue == 2 else { return [Status.invalidParameter] }
            return success(.map([CBORMapEntry(.int(1), pinProtocol.publicKey)]))
        case 0x03:
            return setPIN(parameters)
        case 0x05, 0x09:
            return getPINToken(parameters)
        default:
            return [Status.invalidSubcommand]
        }
    }

    private func setPIN(_ parameters: CBORValue) -> [UInt8] {
        guard configuration.pin == nil else { return [Status.notAllowed] }
        guard parameters[1]?.intValue == 2, let platformKey = parameters[3], let auth = parameters[4]?.bytesValue,
            let newPINEnc = parameters[5]?.bytesValue
        else { return [Status.missingParameter] }
        guard let secret = pinProtocol.sharedSecret(with: platformKey) else { return [Status.invalidParameter] }
        guard PINProtocolTwo.verify(auth, of: newPINEnc, key: secret.hmacKey) else { return [Status.pinAuthInvalid] }
        guard let padded = PINProtocolTwo.decrypt(newPINEnc, key: secret.aesKey), padded.count >= 64 else {
            return [Status.pinPolicyViolation]
        }
        let pin = padded.prefix { $0 != 0 }
        guard (4...63).contains(pin.count), let text = String(validating: pin, as: UTF8.self) else {
            return [Status.pinPolicyViolation]
        }
        configuration.pin = text
        configuration.pinRetries = configuration.maximumPINRetries
        return [Status.ok]
    }

    private func getPINToken(_ parameters: CBORValue) -> [UInt8] {
        guard let pin = configuration.pin else { return [Status.pinNotSet] }
        guard parameters[1]?.intValue == 2, let platformKey = parameters[3], let pinHashEnc = parameters[6]?.bytesValue
        else { return [Status.missingParameter] }
        var permissions = 0x03
        var rpID: String?
        if parameters[2]?.intValue == 0x09 {
            permissions = parameters[9]?.intValue ?? 0
            rpID = parameters[10]?.textValue
            guard permissions != 0 else { return [Status.invalidParameter] }
            guard permissions & ~0x03 == 0 else { return [Status.unauthorizedPermission] }
        }
        guard configuration.pinRetries > 0 else { return [Status.pinBlocked] }
        guard consecutiveWrongPINs < 3 else { return [Status.pinAuthBlocked] }
        guard let secret = pinProtocol.sharedSecret(with: platformKey) else { return [Status.invalidParameter] }
        configuration.pinRetries -= 1
        let expected = Array(SHA256.hash(data: Array(pin.utf8))).prefix(16)
        guard let pinHash = PINProtocolTwo.decrypt(pinHashEnc, key: secret.aesKey), pinHash == Array(expected) else {
            pinProtocol.regenerate()
            consecutiveWrongPINs += 1
            if configuration.pinRetries == 0 { return [Status.pinBlocked] }
            if consecutiveWrongPINs >= 3 { return [Status.pinAuthBlocked] }
            return [Status.pinInvalid]
        }
        configuration.pinRetries = configuration.maximumPINRetries
        consecutiveWrongPINs = 0
        let newToken = PINToken(bytes: SecureRandom.bytes(32), permissions: permissions, rpID: rpID)
        token = newToken
        return success(
            .map([CBORMapEntry(.int(2), .bytes(PINProtocolTwo.encrypt(newToken.bytes, key: secret.aesKey)))]))
    }

    private func verifyToken(_ auth: [UInt8], message: [UInt8], permission: Int, rpID: String) -> Bool {
        guard var current = token, current.permissions & permission != 0,
            PINProtocolTwo.verify(auth, of: message, key: SymmetricKey(data: current.bytes))
        else { return false }
        if let bound = current.rpID { return bound == rpID }
        current.rpID = rpID
        token = current
        return true
    }

    // MARK: Parts

    private func authenticatorDataPrefix(rpID: String, flags: AuthenticatorFlags) -> [UInt8] {
        Array(SHA256.hash(data: Array(rpID.utf8))) + [flags.rawValue]
            + [
                UInt8(signCount >> 24), UInt8(signCount >> 16 & 0xff), UInt8(signCount >> 8 & 0xff),
                UInt8(signCount & 0xff),
            ]
    }

    private func success(_ value: CBORValue) -> [UInt8] { [Status.ok] + CBOREncoder.encode(value) }

    /// CTAP2 status codes this key answers with.
    enum Status {
        static let ok: UInt8 = 0x00
        static let invalidCommand: UInt8 = 0x01
        static let invalidParameter: UInt8 = 0x02
        static let invalidLength: UInt8 = 0x03
        static let invalidCBOR: UInt8 = 0x12
        static let missingParameter: UInt8 = 0x14
        static let credentialExcluded: UInt8 = 0x19
        static let unsupportedAlgorithm: UInt8 = 0x26
        static let operationDenied: UInt8 = 0x27
        static let invalidOption: UInt8 = 0x2c
        static let keepaliveCancel: UInt8 = 0x2d
        static let noCredentials: UInt8 = 0x2e
        static let userActionTimeout: UInt8 = 0x2f
        static let notAllowed: UInt8 = 0x30
        static let pinInvalid: UInt8 = 0x31
        static let pinBlocked: UInt8 = 0x32
        static let pinAuthInvalid: UInt8 = 0x33
        static let pinAuthBlocked: UInt8 = 0x34
        static let pinNotSet: UInt8 = 0x35
        static let pinRequired: UInt8 = 0x36
        static let pinPolicyViolation: UInt8 = 0x37
        static let invalidSubcommand: UInt8 = 0x3e
        static let unauthorizedPermission: UInt8 = 0x40
    }
}
