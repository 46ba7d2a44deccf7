import Foundation
import SwiftASN1
import X509

/// The attestation statement formats this build verifies: `none` and `packed` (§8.7, §8.2).
enum AttestationStatementVerifier {
    /// The id-fido-gen-ce-aaguid certificate extension.
    static let aaguidExtension: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 45724, 1, 1, 4]

    static func verify(
        _ object: AttestationObject, clientDataHash: [UInt8], policy: AttestationPolicy, at time: Date
    ) throws(WebAuthnError) -> VerifiedAttestation {
        let result: VerifiedAttestation
        switch object.format {
        case "none":
            guard object.statement.mapValue?.isEmpty == true else {
                throw WebAuthnError(.attestationStatementMalformed, "a none attestation statement must be an empty map")
            }
            result = VerifiedAttestation(format: "none", type: .none, trust: .notApplicable, certificates: [])
        case "packed":
            result = try verifyPacked(object, clientDataHash: clientDataHash, policy: policy, at: time)
        default:
            // Only registered identifiers are named: the field is the client's to fill.
            let name = registeredFormats.contains(object.format) ? "\"\(object.format)\"" : "(unregistered)"
            throw WebAuthnError(
                .attestationFormatUnsupported, "attestation format \(name) is not supported (none and packed are)")
        }
        if policy.requireTrustedAttestation && result.trust != .trusted {
            throw WebAuthnError(
                .attestationUntrusted,
                "the relying party requires trusted attestation and this is \(result.type) attestation")
        }
        return result
    }

    private static func verifyPacked(
        _ object: AttestationObject, clientDataHash: [UInt8], policy: AttestationPolicy, at time: Date
    ) throws(WebAuthnError) -> VerifiedAttestation {
        let statement = object.statement
        guard let alg = statement["alg"]?.intValue else {
            throw WebAuthnError(.attestationStatementMalformed, "the packed statement has no integer alg")
        }
        guard let signature = statement["sig"]?.bytesValue else {
            throw WebAuthnError(.attestationStatementMalformed, "the packed statement has no byte-string sig")
        }
        guard let credential = object.authenticatorData.attestedCredentialData else {
            throw WebAuthnError(.attestedCredentialDataMissing, "the authenticator data holds no attested credential")
        }
        let signed = object.authenticatorData.bytes + clientDataHash
        guard let x5c = statement["x5c"] else {
            // Self attestation: the credential key signs its own registration.
            guard alg == credential.publicKey.algorithm.rawValue else {
                throw WebAuthnError(
                    .attestationStatementMalformed,
                    "the self-attestation alg \(alg) differs from the credential key's \(credential.publicKey.algorithm.rawValue)"
                )
            }
            guard credential.publicKey.isValidSignature(signature, for: signed) else {
                throw WebAuthnError(.attestationSignatureInvalid, "the self-attestation signature does not verify")
            }
            return VerifiedAttestation(
                format: "packed", type: .selfAttestation, trust: .notApplicable, certificates: [])
        }
        guard let entries = x5c.arrayValue, !entries.isEmpty else {
            throw WebAuthnError(.attestationStatementMalformed, "the packed statement's x5c is not a non-empty array")
        }
        var certificates = [Certificate]()
        for (index, entry) in entries.enumerated() {
            guard let der = entry.bytesValue, let certificate = try? Certificate(derEncoded: der) else {
                throw WebAuthnError(
                    .attestationStatementMalformed, "x5c entry \(index) is not a DER X.509 certificate")
            }
            certificates.append(certificate)
        }
        let leaf = certificates[0]
        guard let algorithm = signatureAlgorithm(alg) else {
            throw WebAuthnError(.attestationStatementMalformed, "the packed statement's alg \(alg) is not supported")
        }
        guard leaf.publicKey.isValidSignature(signature, for: signed, signatureAlgorithm: algorithm) else {
            throw WebAuthnError(
                .attestationSignatureInvalid,
                "the packed attestation signature does not verify under the x5c certificate")
        }
        try checkPackedCertificate(leaf, aaguid: credential.aaguid, at: time)
        let trust = try chainTrust(certificates, roots: policy.trustedRoots, at: time)
        return VerifiedAttestation(format: "packed", type: .basic, trust: trust, certificates: certificates)
    }

    /// Packed attestation certificate requirements (L3 §8.2.1).
    static func checkPackedCertificate(_ leaf: Certificate, aaguid: [UInt8], at time: Date) throws(WebAuthnError) {
        guard leaf.version == .v3 else {
            throw WebAuthnError(.attestationCertificateInvalid, "the attestation certificate is not X.509 version 3")
        }
        let country = subjectValue(leaf, ASN1ObjectIdentifier.RDNAttributeType.countryName)
        guard let country, country.utf8.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw WebAuthnError(
                .attestationCertificateInvalid, "the attestation certificate's subject has no two-letter country (C)")
        }
        let required: [(ASN1ObjectIdentifier, String)] = [
            (ASN1ObjectIdentifier.RDNAttributeType.organizationName, "organization (O)"),
            (ASN1ObjectIdentifier.RDNAttributeType.commonName, "common name (CN)"),
        ]
        for (oid, name) in required where (subjectValue(leaf, oid) ?? "").isEmpty {
            throw WebAuthnError(.attestationCertificateInvalid, "the attestation certificate's subject has no \(name)")
        }
        let unit = subjectValue(leaf, ASN1ObjectIdentifier.RDNAttributeType.organizationalUnitName)
        guard unit == "Authenticator Attestation" else {
            throw WebAuthnError(
                .attestationCertificateInvalid,
                "the attestation certificate's subject OU must be \"Authenticator Attestation\"")
        }
        if let ext = leaf.extensions[oid: aaguidExtension] {
            guard !ext.critical else {
                throw WebAuthnError(
                    .attestationCertificateInvalid, "the attestation certificate marks its AAGUID extension critical")
            }
            guard let octets = try? ASN1OctetString(derEncoded: ext.value), Array(octets.bytes) == aaguid else {
                throw WebAuthnError(
                    .attestationCertificateInvalid,
                    "the attestation certificate's AAGUID extension differs from the authenticator data's AAGUID")
            }
        }
        let constraints: BasicConstraints?
        do {
            constraints = try leaf.extensions.basicConstraints
        } catch {
            throw WebAuthnError(
                .attestationCertificateInvalid, "the attestation certificate's basic constraints are malformed")
        }
        if case .isCertificateAuthority = constraints {
            throw WebAuthnError(.attestationCertificateInvalid, "the attestation certificate is a CA certificate")
        }
        try checkValidity(leaf, "attestation certificate", at: time)
    }

    /// Follows the chain from the leaf through each next x5c entry to a trusted root.
    private static func chainTrust(
        _ chain: [Certificate], roots: [Certificate], at time: Date
    ) throws(WebAuthnError)
        -> AttestationTrust
    {
        guard !roots.isEmpty else { return .notChecked }
        for index in chain.indices.dropFirst() {
            let (child, parent) = (chain[index - 1], chain[index])
            guard child.issuer == parent.subject, parent.publicKey.isValidSignature(child.signature, for: child) else {
                throw WebAuthnError(.attestationUntrusted, "x5c entry \(index) did not issue entry \(index - 1)")
            }
            try checkValidity(parent, "x5c entry \(index)", at: time)
        }
        let last = chain[chain.count - 1]
        if roots.contains(last) { return .trusted }
        for root in roots
        where root.subject == last.issuer && root.publicKey.isValidSignature(last.signature, for: last) {
            try checkValidity(root, "trusted root", at: time)
            return .trusted
        }
        throw WebAuthnError(
            .attestationUntrusted, "the attestation certificate chain leads to none of the trusted roots")
    }

    private static func checkValidity(_ certificate: Certificate, _ role: String, at time: Date) throws(WebAuthnError) {
        guard certificate.notValidBefore <= time, time <= certificate.notValidAfter else {
            let code: WebAuthnErrorCode =
                role == "attestation certificate" ? .attestationCertificateInvalid : .attestationUntrusted
            throw WebAuthnError(code, "the \(role) is not valid at the verification time")
        }
    }

    private static func subjectValue(_ certificate: Certificate, _ oid: ASN1ObjectIdentifier) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == oid {
                return String(attribute.value)
            }
        }
        return nil
    }

    private static func signatureAlgorithm(_ alg: Int) -> Certificate.SignatureAlgorithm? {
        switch COSEAlgorithm(rawValue: alg) {
        case .es256: .ecdsaWithSHA256
        case .es384: .ecdsaWithSHA384
        case .es512: .ecdsaWithSHA512
        case .rs256: .sha256WithRSAEncryption
        case .eddsa, .ed25519: .ed25519
        case nil: nil
        }
    }

    /// The IANA "WebAuthn Attestation Statement Format Identifiers".
    static let registeredFormats: Set<String> = [
        "packed", "tpm", "android-key", "android-safetynet", "fido-u2f", "apple", "none", "compound",
    ]
}
