import Foundation
import SwiftASN1
import X509

/// The fields of a DER X.509 v2 CRL that the verifiers use, read whole (no trailing bytes).
/// Signature algorithms are not judged here: AMD's lists are RSASSA-PSS, Intel's ECDSA P-256.
struct RevocationListFields {
    /// The TBSCertList's DER: what the signature covers.
    var tbs: [UInt8] = []
    /// The outer and inner signature AlgorithmIdentifier's DER; a valid CRL has them equal.
    var outerAlgorithm: [UInt8] = []
    var innerAlgorithm: [UInt8] = []
    /// The signature's bytes (the BIT STRING's contents).
    var signature: [UInt8] = []
    var issuer = DistinguishedName()
    var thisUpdate = Date(timeIntervalSince1970: 0)
    var nextUpdate: Date?
    /// The serial numbers listed, each as big-endian bytes without leading zeros (zero is `[0]`).
    var serials: Set<[UInt8]> = []

    private init() {}

    /// Decodes `der`.
    /// - Throws: an ASN.1 error when it is not a v2 CRL or has a critical extension.
    init(der: [UInt8]) throws {
        let parts = try SignedDERObject.decode(der, kind: "CRL", tbs: Self.decodeTBS)
        self = parts.fields
        outerAlgorithm = parts.outerAlgorithm
        signature = parts.signature
    }

    private static func decodeTBS(_ node: ASN1Node) throws -> RevocationListFields {
        try DER.sequence(node, identifier: .sequence) { nodes in
            var fields = RevocationListFields()
            fields.tbs = Array(node.encodedBytes)
            // version is OPTIONAL; AMD's and Intel's lists are v2 (1).
            let version: Int? = try DER.optionalImplicitlyTagged(&nodes, tag: .integer)
            guard version == 1 else { throw ASN1Error.invalidASN1Object(reason: "not a v2 CRL") }
            guard let algorithm = nodes.next(), let issuerNode = nodes.next(), let thisUpdate = nodes.next() else {
                throw ASN1Error.invalidASN1Object(reason: "the TBSCertList is missing fields")
            }
            fields.innerAlgorithm = Array(algorithm.encodedBytes)
            fields.issuer = try DistinguishedName(derEncoded: issuerNode)
            fields.thisUpdate = try AMDCertificate.date(thisUpdate)
            var next = nodes.next()
            if let node = next, [ASN1Identifier.utcTime, .generalizedTime].contains(node.identifier) {
                fields.nextUpdate = try AMDCertificate.date(node)
                next = nodes.next()
            }
            if let node = next, node.identifier == .sequence {
                try DER.sequence(node, identifier: .sequence) { entries in
                    while let entry = entries.next() {
                        try DER.sequence(entry, identifier: .sequence) { parts in
                            let serial = try ArraySlice<UInt8>(derEncoded: &parts)
                            guard let date = parts.next() else {
                                throw ASN1Error.invalidASN1Object(reason: "a revoked entry has no date")
                            }
                            _ = try AMDCertificate.date(date)
                            // crlEntryExtensions (a reason code, say) are optional and not needed.
                            _ = parts.next()
                            fields.serials.insert(serial.isEmpty ? [0] : Array(serial))
                        }
                    }
                }
                next = nodes.next()
            }
            // crlExtensions [0] (CRL number, authority key id): nothing critical is acted on,
            // so a critical one would be refused by a strict reader; AMD and Intel mark none critical.
            if let node = next {
                guard node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) else {
                    throw ASN1Error.invalidASN1Object(reason: "unexpected field after the revoked certificates")
                }
                let extensions = try DER.explicitlyTagged(node, tagNumber: 0, tagClass: .contextSpecific) {
                    try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: $0)
                }
                if extensions.contains(where: \.critical) {
                    throw ASN1Error.invalidASN1Object(reason: "a critical CRL extension")
                }
            }
            return fields
        }
    }
}
