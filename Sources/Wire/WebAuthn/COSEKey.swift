import Crypto
import Foundation
import _CryptoExtras

/// The COSE signature algorithms (IANA "COSE Algorithms") this build verifies.
public enum COSEAlgorithm: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// ECDSA over P-256 with SHA-256.
    case es256 = -7
    /// EdDSA; WebAuthn pairs it with Ed25519 keys.
    case eddsa = -8
    /// The fully specified Ed25519 identifier (RFC 9864).
    case ed25519 = -19
    /// ECDSA over P-384 with SHA-384.
    case es384 = -35
    /// ECDSA over P-521 with SHA-512.
    case es512 = -36
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256 = -257

    /// The algorithm's registered name ("ES256").
    public var description: String {
        switch self {
        case .es256: "ES256"
        case .eddsa: "EdDSA"
        case .ed25519: "Ed25519"
        case .es384: "ES384"
        case .es512: "ES512"
        case .rs256: "RS256"
        }
    }
}

/// The elliptic curves of COSE EC2 keys this build verifies.
public enum COSECurve: Int, Sendable, CaseIterable, CustomStringConvertible {
    case p256 = 1
    case p384 = 2
    case p521 = 3

    /// Bytes in one coordinate.
    public var coordinateByteCount: Int {
        switch self {
        case .p256: 32
        case .p384: 48
        case .p521: 66
        }
    }

    /// The one ECDSA algorithm WebAuthn allows on this curve (L3 §5.8.5).
    var algorithm: COSEAlgorithm {
        switch self {
        case .p256: .es256
        case .p384: .es384
        case .p521: .es512
        }
    }

    public var description: String {
        switch self {
        case .p256: "P-256"
        case .p384: "P-384"
        case .p521: "P-521"
        }
    }
}

/// A credential public key in COSE form (RFC 9052 / 9053), as authenticators return it: EC2
/// (ES256, ES384, ES512), OKP Ed25519 (EdDSA) or RSA (RS256). Public, so it may be printed.
public struct COSEKey: Hashable, Sendable, CustomStringConvertible {
    /// The key's numbers.
    public enum Parameters: Hashable, Sendable {
        case ec2(curve: COSECurve, x: [UInt8], y: [UInt8])
        case ed25519(x: [UInt8])
        case rsa(n: [UInt8], e: [UInt8])
    }

    /// The algorithm the key is bound to (its `alg` parameter).
    public let algorithm: COSEAlgorithm
    /// The key's numbers.
    public let parameters: Parameters
    /// The CBOR encoding: the bytes as the authenticator sent them, or the canonical encoding
    /// of a key built from PEM.
    public let encoded: [UInt8]

    /// Parses a COSE key from its CBOR encoding.
    /// - Throws: `WebAuthnError`: a `cbor…` code for malformed CBOR, `.coseKeyMalformed`,
    ///   `.coseKeyUnsupported` or `.coseKeyInvalid`.
    public init(cbor: [UInt8]) throws(WebAuthnError) {
        try self.init(CBORDecoder(mode: .lenient).decode(cbor), encoded: cbor)
    }

    /// Reads a decoded COSE key whose encoding was `encoded`.
    init(_ value: CBORValue, encoded: [UInt8]) throws(WebAuthnError) {
        guard value.mapValue != nil else {
            throw WebAuthnError(.coseKeyMalformed, "a COSE key is a CBOR map, not a \(value.kindName)")
        }
        guard let kty = value[1]?.intValue else {
            throw WebAuthnError(.coseKeyMalformed, "the COSE key has no integer key type (label 1)")
        }
        guard let algValue = value[3]?.intValue else {
            throw WebAuthnError(
                .coseKeyMalformed, "the COSE key has no integer algorithm (label 3), which WebAuthn requires")
        }
        guard let alg = COSEAlgorithm(rawValue: algValue) else {
            throw WebAuthnError(.coseKeyUnsupported, "COSE algorithm \(algValue) is not supported")
        }
        self.algorithm = alg
        self.encoded = encoded
        switch kty {
        case 2:
            guard let crvValue = value[-1]?.intValue else {
                throw WebAuthnError(.coseKeyMalformed, "the EC2 key has no integer curve (label -1)")
            }
            guard let curve = COSECurve(rawValue: crvValue) else {
                throw WebAuthnError(.coseKeyUnsupported, "EC2 curve \(crvValue) is not supported")
            }
            guard curve.algorithm == alg else {
                throw WebAuthnError(.coseKeyMalformed, "an EC2 key on \(curve) must use \(curve.algorithm), not \(alg)")
            }
            let x = try Self.bytes(value, -2, "x", count: curve.coordinateByteCount)
            // A compressed point has a boolean y; WebAuthn keys carry both coordinates.
            let y = try Self.bytes(value, -3, "y", count: curve.coordinateByteCount)
            parameters = .ec2(curve: curve, x: x, y: y)
        case 1:
            guard let crvValue = value[-1]?.intValue else {
                throw WebAuthnError(.coseKeyMalformed, "the OKP key has no integer curve (label -1)")
            }
            guard crvValue == 6 else {
                throw WebAuthnError(.coseKeyUnsupported, "OKP curve \(crvValue) is not supported (only Ed25519, 6)")
            }
            guard alg == .eddsa || alg == .ed25519 else {
                throw WebAuthnError(
                    .coseKeyMalformed, "an Ed25519 key must use EdDSA (-8) or Ed25519 (-19), not \(alg)")
            }
            parameters = .ed25519(x: try Self.bytes(value, -2, "x", count: Ed25519.publicKeyByteCount))
        case 3:
            guard alg == .rs256 else {
                throw WebAuthnError(.coseKeyMalformed, "an RSA key must use RS256, not \(alg)")
            }
            parameters = .rsa(
                n: try Self.bytes(value, -1, "n", count: nil), e: try Self.bytes(value, -2, "e", count: nil))
        default:
            throw WebAuthnError(.coseKeyUnsupported, "COSE key type \(kty) is not supported (EC2, OKP and RSA are)")
        }
        try validate()
    }

    /// A key with `parameters`, encoded canonically.
    public init(algorithm: COSEAlgorithm, parameters: Parameters) throws(WebAuthnError) {
        var entries = [CBORMapEntry(.int(3), .int(algorithm.rawValue))]
        switch parameters {
        case .ec2(let curve, let x, let y):
            entries += [
                CBORMapEntry(.int(1), .int(2)), CBORMapEntry(.int(-1), .int(curve.rawValue)),
                CBORMapEntry(.int(-2), .bytes(x)), CBORMapEntry(.int(-3), .bytes(y)),
            ]
        case .ed25519(let x):
            entries += [
                CBORMapEntry(.int(1), .int(1)), CBORMapEntry(.int(-1), .int(6)), CBORMapEntry(.int(-2), .bytes(x)),
            ]
        case .rsa(let n, let e):
            entries += [
                CBORMapEntry(.int(1), .int(3)), CBORMapEntry(.int(-1), .bytes(n)), CBORMapEntry(.int(-2), .bytes(e)),
            ]
        }
        try self.init(cbor: CBOREncoder.encode(.map(entries)))
    }

    /// Reads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo). PEM names no COSE algorithm, so the
    /// usual one is assumed: ES256/ES384/ES512 by curve, EdDSA for Ed25519, RS256 for RSA.
    /// - Throws: `WebAuthnError` `.coseKeyMalformed` when the text is not such a key.
    public init(pem: String) throws(WebAuthnError) {
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) {
            try self.init(ec: .p256, x963: Array(key.x963Representation))
        } else if let key = try? P384.Signing.PublicKey(pemRepresentation: pem) {
            try self.init(ec: .p384, x963: Array(key.x963Representation))
        } else if let key = try? P521.Signing.PublicKey(pemRepresentation: pem) {
            try self.init(ec: .p521, x963: Array(key.x963Representation))
        } else if let key = try? Curve25519.Signing.PublicKey(pemRepresentation: pem) {
            try self.init(algorithm: .eddsa, parameters: .ed25519(x: Array(key.rawRepresentation)))
        } else if let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem),
            let primitives = try? key.getKeyPrimitives()
        {
            try self.init(
                algorithm: .rs256,
                parameters: .rsa(n: Array(primitives.modulus), e: Array(primitives.publicExponent)))
        } else {
            throw WebAuthnError(
                .coseKeyMalformed,
                "the PEM text is not a P-256, P-384, P-521, Ed25519 or RSA (2048 bits or more) public key")
        }
    }

    private init(ec curve: COSECurve, x963: [UInt8]) throws(WebAuthnError) {
        let n = curve.coordinateByteCount
        try self.init(
            algorithm: curve.algorithm,
            parameters: .ec2(curve: curve, x: Array(x963[1...n]), y: Array(x963[(n + 1)...])))
    }

    private static func bytes(
        _ map: CBORValue, _ label: Int, _ name: String, count: Int?
    ) throws(WebAuthnError)
        -> [UInt8]
    {
        guard let value = map[label] else {
            throw WebAuthnError(.coseKeyMalformed, "the COSE key has no \(name) (label \(label))")
        }
        guard let bytes = value.bytesValue else {
            throw WebAuthnError(.coseKeyMalformed, "the COSE key's \(name) is a \(value.kindName), not a byte string")
        }
        if let count, bytes.count != count {
            throw WebAuthnError(.coseKeyMalformed, "the COSE key's \(name) is \(bytes.count) bytes, not \(count)")
        }
        return bytes
    }

    /// Refuses numbers that are no valid key: points off the curve, RSA moduli under 2048 bits.
    private func validate() throws(WebAuthnError) {
        do {
            switch parameters {
            case .ec2(let curve, let x, let y):
                let point = [0x04] + x + y
                switch curve {
                case .p256: _ = try P256.Signing.PublicKey(x963Representation: point)
                case .p384: _ = try P384.Signing.PublicKey(x963Representation: point)
                case .p521: _ = try P521.Signing.PublicKey(x963Representation: point)
                }
            case .ed25519:
                break  // libsodium checks the point when it verifies
            case .rsa(let n, let e):
                _ = try _RSA.Signing.PublicKey(n: n, e: e)
            }
        } catch {
            throw WebAuthnError(
                .coseKeyInvalid, "the \(algorithm) key's numbers are not a valid public key of its kind")
        }
    }

    /// Whether `signature` is this key's signature of `message` under its algorithm (ECDSA
    /// signatures DER-encoded, as WebAuthn sends them).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        switch parameters {
        case .ec2(let curve, let x, let y):
            let point = [0x04] + x + y
            switch curve {
            case .p256:
                guard let key = try? P256.Signing.PublicKey(x963Representation: point),
                    let sig = try? P256.Signing.ECDSASignature(derRepresentation: signature)
                else { return false }
                return key.isValidSignature(sig, for: message)
            case .p384:
                guard let key = try? P384.Signing.PublicKey(x963Representation: point),
                    let sig = try? P384.Signing.ECDSASignature(derRepresentation: signature)
                else { return false }
                return key.isValidSignature(sig, for: message)
            case .p521:
                guard let key = try? P521.Signing.PublicKey(x963Representation: point),
                    let sig = try? P521.Signing.ECDSASignature(derRepresentation: signature)
                else { return false }
                return key.isValidSignature(sig, for: message)
            }
        case .ed25519(let x):
            return (try? Ed25519.verify(signature: signature, message: message, publicKey: x)) != nil
        case .rsa(let n, let e):
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { return false }
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: message, padding: .insecurePKCS1v1_5)
        }
    }

    /// The key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    public var pemRepresentation: String {
        switch parameters {
        case .ec2(let curve, let x, let y):
            let point = [0x04] + x + y
            switch curve {
            case .p256: return (try? P256.Signing.PublicKey(x963Representation: point))?.pemRepresentation ?? ""
            case .p384: return (try? P384.Signing.PublicKey(x963Representation: point))?.pemRepresentation ?? ""
            case .p521: return (try? P521.Signing.PublicKey(x963Representation: point))?.pemRepresentation ?? ""
            }
        case .ed25519(let x):
            return (try? Curve25519.Signing.PublicKey(rawRepresentation: x))?.pemRepresentation ?? ""
        case .rsa(let n, let e):
            return (try? _RSA.Signing.PublicKey(n: n, e: e))?.pemRepresentation ?? ""
        }
    }

    /// "ES256 (EC2 P-256)", "RS256 (RSA 2048 bits)".
    public var description: String {
        switch parameters {
        case .ec2(let curve, _, _): "\(algorithm) (EC2 \(curve))"
        case .ed25519: "\(algorithm) (OKP Ed25519)"
        case .rsa(let n, _): "\(algorithm) (RSA \(Self.bitCount(n)) bits)"
        }
    }

    private static func bitCount(_ n: [UInt8]) -> Int {
        guard let first = n.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (n.count - first) * 8 - n[first].leadingZeroBitCount
    }
}
