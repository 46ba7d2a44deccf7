import Crypto
import Foundation
import SwiftASN1
import X509

/// A chain of Intel SGX/TDX certificates (leaf, then any intermediates, then the root) checked up
/// to a trusted root: the PCK chain in a quote, and the TCB signing chain of the collateral.
///
/// Every certificate Intel issues under the SGX Root CA is ECDSA P-256 signed with SHA-256, so
/// swift-certificates decodes and checks them directly (unlike AMD's RSA-PSS certificates).
struct IntelCertificateChain {
    /// The certificates in order: leaf first, root last.
    let certificates: [Certificate]

    /// The leaf.
    var leaf: Certificate { certificates[0] }

    /// Decodes a PEM chain of exactly `names.count` certificates, leaf first.
    /// - Parameter names: what each certificate is, for messages ("PCK certificate", ...).
    init(pem text: String, names: [String], role: String) throws(TDXError) {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            // The parser's own error can quote the input; the message stays short and input-free.
            throw TDXError(.certificateParse, "the \(role) is not valid PEM")
        }
        guard documents.count == names.count else {
            throw TDXError(
                .certificateParse,
                "the \(role) holds \(documents.count) certificate\(documents.count == 1 ? "" : "s"); it must hold "
                    + "\(names.count): \(names.joined(separator: ", "))")
        }
        var certificates = [Certificate]()
        for (document, name) in zip(documents, names) {
            guard document.discriminator == "CERTIFICATE" else {
                throw TDXError(
                    .certificateParse,
                    "the \(role) holds a \"\(document.discriminator)\" block; expected only CERTIFICATE blocks")
            }
            do {
                certificates.append(try Certificate(derEncoded: document.derBytes))
            } catch {
                throw TDXError(.certificateParse, "the \(name) in the \(role) is not a valid DER X.509 certificate")
            }
        }
        self.certificates = certificates
    }

    /// Checks that each certificate is issued and signed by the next, that the last is
    /// `trustedRoot`, that every one is valid at `now`, and that each carries the common name
    /// Intel gives it (`commonNames[i]` lists the names allowed at position i).
    func verify(
        names: [String], commonNames: [[String]], trustedRoot: Certificate, at now: Date, role: String
    ) throws(TDXError) {
        let root = certificates[certificates.count - 1]
        guard root == trustedRoot || (root.subject == trustedRoot.subject && root.publicKey == trustedRoot.publicKey)
        else {
            throw TDXError(
                .untrustedRoot,
                "the \(role) ends in \"\(Self.commonName(root))\", which is not the pinned Intel SGX Root CA; "
                    + "the evidence was not issued by Intel")
        }
        for (index, certificate) in certificates.enumerated() {
            let name = names[index]
            guard certificate.signatureAlgorithm == .ecdsaWithSHA256,
                P256.Signing.PublicKey(certificate.publicKey) != nil
            else {
                throw TDXError(
                    .certificateAlgorithm,
                    "the \(name) is not an ECDSA P-256 certificate signed with SHA-256, as Intel's are")
            }
            guard commonNames[index].contains(Self.commonName(certificate)) else {
                throw TDXError(
                    .chainMismatch,
                    "the \(role)'s \(name) is named \"\(Self.commonName(certificate))\"; Intel names it "
                        + commonNames[index].map { "\"\($0)\"" }.joined(separator: " or "))
            }
            let issuer = index + 1 < certificates.count ? certificates[index + 1] : certificate
            let issuerName = index + 1 < names.count ? names[index + 1] : name
            guard certificate.issuer == issuer.subject else {
                throw TDXError(
                    .chainMismatch,
                    "the \(name) was issued by \"\(Self.commonName(certificate.issuer))\", not by the \(issuerName) "
                        + "that follows it in the \(role)")
            }
            guard Self.isCertificateAuthority(issuer) else {
                throw TDXError(.chainMismatch, "the \(issuerName) in the \(role) is not a certificate authority")
            }
            guard issuer.publicKey.isValidSignature(certificate.signature, for: certificate) else {
                throw TDXError(
                    .certificateSignature,
                    "the \(name)'s signature does not verify under the \(issuerName)'s key; the certificate was altered"
                )
            }
            try Self.checkValidity(certificate, name: name, at: now)
        }
    }

    static func checkValidity(_ certificate: Certificate, name: String, at now: Date) throws(TDXError) {
        let format = Date.ISO8601FormatStyle()
        if now < certificate.notValidBefore {
            throw TDXError(
                .certificateNotYetValid,
                "the \(name) is not valid until \(certificate.notValidBefore.formatted(format)) "
                    + "(checked at \(now.formatted(format))); check the system clock")
        }
        if now > certificate.notValidAfter {
            throw TDXError(
                .certificateExpired,
                "the \(name) expired at \(certificate.notValidAfter.formatted(format)) "
                    + "(checked at \(now.formatted(format))); the evidence needs a current certificate from Intel")
        }
    }

    static func isCertificateAuthority(_ certificate: Certificate) -> Bool {
        guard let constraints = try? certificate.extensions.basicConstraints else { return false }
        if case .isCertificateAuthority = constraints { return true }
        return false
    }

    static func commonName(_ certificate: Certificate) -> String { commonName(certificate.subject) }

    static func commonName(_ name: DistinguishedName) -> String {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return ""
    }
}
