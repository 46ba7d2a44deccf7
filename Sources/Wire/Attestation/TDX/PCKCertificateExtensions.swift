import SwiftASN1
import X509

/// What a PCK certificate says about its platform, from Intel's SGX extension
/// (OID 1.2.840.113741.1.13.1): the FMSPC and PCE id that select the TCB info, and the SGX TCB
/// (CPUSVN components and PCESVN) the certificate was issued for. Intel's "PCK Certificate and
/// CRL Profile Specification" defines the layout.
public struct PCKCertificateExtensions: Sendable, Hashable {
    /// FMSPC (6 bytes): the platform's family, model, stepping and platform type.
    public let fmspc: [UInt8]
    /// PCE-ID (2 bytes).
    public let pceID: [UInt8]
    /// The 16 SGX TCB component SVNs (OIDs …1.13.1.2.1 to …2.16).
    public let sgxTCBComponents: [UInt8]
    /// PCESVN (OID …1.13.1.2.17).
    public let pceSVN: Int

    package static let sgxExtensions: ASN1ObjectIdentifier = [1, 2, 840, 113_741, 1, 13, 1]
    static let tcb: ASN1ObjectIdentifier = [1, 2, 840, 113_741, 1, 13, 1, 2]
    static let pceIDOID: ASN1ObjectIdentifier = [1, 2, 840, 113_741, 1, 13, 1, 3]
    static let fmspcOID: ASN1ObjectIdentifier = [1, 2, 840, 113_741, 1, 13, 1, 4]

    /// Reads the SGX extension of a PCK certificate.
    /// - Throws: `TDXError` `.pckExtensions` when it is missing, malformed, or lacks a field.
    public init(certificate: Certificate) throws(TDXError) {
        guard let value = certificate.extensions.first(where: { $0.oid == Self.sgxExtensions })?.value else {
            throw TDXError(.pckExtensions, "the PCK certificate has no SGX extension; it is not a PCK certificate")
        }
        var fmspc: [UInt8]?
        var pceID: [UInt8]?
        var components: [Int: UInt8] = [:]
        var pceSVN: Int?
        do {
            try DER.sequence(try DER.parse(Array(value)), identifier: .sequence) { entries in
                while let entry = entries.next() {
                    try DER.sequence(entry, identifier: .sequence) { fields in
                        let oid = try ASN1ObjectIdentifier(derEncoded: &fields)
                        guard let node = fields.next() else {
                            throw ASN1Error.invalidASN1Object(reason: "an SGX extension entry without a value")
                        }
                        switch oid {
                        case Self.fmspcOID: fmspc = Array(try ASN1OctetString(derEncoded: node).bytes)
                        case Self.pceIDOID: pceID = Array(try ASN1OctetString(derEncoded: node).bytes)
                        case Self.tcb:
                            try DER.sequence(node, identifier: .sequence) { tcbEntries in
                                while let tcbEntry = tcbEntries.next() {
                                    try DER.sequence(tcbEntry, identifier: .sequence) { tcbFields in
                                        let componentOID = try ASN1ObjectIdentifier(derEncoded: &tcbFields)
                                        guard let componentNode = tcbFields.next() else {
                                            throw ASN1Error.invalidASN1Object(reason: "a TCB entry without a value")
                                        }
                                        let arcs = Array(componentOID.oidComponents)
                                        guard arcs.count == 9, Array(arcs.prefix(8)) == Array(Self.tcb.oidComponents)
                                        else { return }
                                        switch arcs[8] {
                                        case 1...16:
                                            guard let svn = UInt8(exactly: try Int(derEncoded: componentNode)) else {
                                                throw ASN1Error.invalidASN1Object(reason: "an SVN above 255")
                                            }
                                            components[Int(arcs[8])] = svn
                                        case 17: pceSVN = try Int(derEncoded: componentNode)
                                        default: break  // 18 is the CPUSVN as one string: the components again.
                                        }
                                    }
                                }
                            }
                        default: break  // PPID, SGX type, platform instance and configuration: not used.
                        }
                    }
                }
            }
        } catch {
            throw TDXError(.pckExtensions, "the PCK certificate's SGX extension is not well-formed DER")
        }
        guard let fmspc, fmspc.count == 6, let pceID, pceID.count == 2, let pceSVN, components.count == 16 else {
            throw TDXError(
                .pckExtensions,
                "the PCK certificate's SGX extension lacks the FMSPC, the PCE id or the TCB (16 SVNs and PCESVN)")
        }
        self.fmspc = fmspc
        self.pceID = pceID
        self.sgxTCBComponents = (1...16).map { components[$0]! }
        self.pceSVN = pceSVN
    }
}
