import SwiftASN1

/// The outer shape an X.509 certificate and a CRL share: `SEQUENCE { toBeSigned,
/// signatureAlgorithm, signature BIT STRING }`, read whole (no trailing bytes).
enum SignedDERObject {
    /// The parts of `der` (a `kind` such as "certificate"), the to-be-signed part decoded by `tbs`.
    /// - Returns: what `tbs` read, the outer algorithm's DER and the signature's bytes.
    static func decode<Fields>(
        _ der: [UInt8], kind: String, tbs: (ASN1Node) throws -> Fields
    ) throws -> (fields: Fields, outerAlgorithm: [UInt8], signature: [UInt8]) {
        let root = try DER.parse(der)
        guard root.encodedBytes.count == der.count else {
            throw ASN1Error.invalidASN1Object(reason: "trailing bytes after the \(kind)")
        }
        return try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbsNode = nodes.next(), let algorithmNode = nodes.next(), let signatureNode = nodes.next()
            else { throw ASN1Error.invalidASN1Object(reason: "a \(kind) has three parts") }
            let signature = try ASN1BitString(derEncoded: signatureNode)
            guard signature.paddingBits == 0 else {
                throw ASN1Error.invalidASN1Object(reason: "the signature is not a whole number of bytes")
            }
            return (try tbs(tbsNode), Array(algorithmNode.encodedBytes), Array(signature.bytes))
        }
    }
}
