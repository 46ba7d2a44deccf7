import SwiftASN1

/// The kind of key that endorses (signs) SEV-SNP reports.
public enum SEVSNPEndorsementKey: String, Sendable, Hashable, Codable {
    /// Versioned Chip Endorsement Key: derived by the chip itself for one TCB; AMD's ASK certifies it.
    case vcek = "VCEK"
    /// Versioned Loaded Endorsement Key: provisioned by a cloud provider through AMD; the ASVK certifies it.
    case vlek = "VLEK"
}

/// The AMD KDS extensions of a VCEK or VLEK certificate (AMD spec 57230, "VCEK Certificate
/// Extensions"): the product and TCB the key was issued for, and the chip (VCEK) or cloud
/// provider (VLEK) it belongs to.
public struct AMDEndorsementExtensions: Sendable, Hashable {
    /// The product name, e.g. "Milan-B0" (VCEK) or "Milan" (VLEK).
    public let productName: String
    /// blSPL (1.3.6.1.4.1.3704.1.3.1).
    public let bootloader: UInt8
    /// teeSPL (.3.2).
    public let tee: UInt8
    /// snpSPL (.3.3).
    public let snp: UInt8
    /// ucodeSPL (.3.8).
    public let microcode: UInt8
    /// fmcSPL (.3.9), Turin and later only.
    public let fmc: UInt8?
    /// hwID (.4): the chip id, VCEKs only; 64 bytes, 8 on Turin.
    public let hardwareID: [UInt8]?
    /// csp_id (.5): the cloud provider, VLEKs only.
    public let cspID: String?

    /// Which kind of endorsement key carries these extensions.
    public var kind: SEVSNPEndorsementKey { hardwareID != nil ? .vcek : .vlek }

    /// Extensions with the given values, for callers that build expectations (and for tests).
    public init(
        productName: String, bootloader: UInt8, tee: UInt8, snp: UInt8, microcode: UInt8, fmc: UInt8? = nil,
        hardwareID: [UInt8]? = nil, cspID: String? = nil
    ) {
        self.productName = productName
        self.bootloader = bootloader
        self.tee = tee
        self.snp = snp
        self.microcode = microcode
        self.fmc = fmc
        self.hardwareID = hardwareID
        self.cspID = cspID
    }

    package static let productNameOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 2]
    package static let bootloaderOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 1]
    package static let teeOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 2]
    package static let snpOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 3]
    package static let microcodeOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 8]
    package static let fmcOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 9]
    package static let hardwareIDOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 4]
    package static let cspIDOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 5]

    /// Reads the extensions of a VCEK or VLEK certificate.
    /// - Throws: `AttestationError` `.certificateParse` when one is missing or malformed, or when
    ///   the certificate has both or neither of hwID and csp_id.
    public init(certificate: AMDCertificate, role: String = "VCEK") throws(AttestationError) {
        func missing(_ what: String) -> AttestationError {
            AttestationError(
                .certificateParse,
                "the \(role) has no valid \(what) extension; it is not a VCEK or VLEK from AMD KDS")
        }
        func spl(_ oid: ASN1ObjectIdentifier, _ name: String) throws(AttestationError) -> UInt8? {
            guard let value = certificate.extensionValue(oid) else { return nil }
            // The value is a DER INTEGER (AMD writes `02 01 xx`), not a raw byte.
            guard let number = try? UInt8(derEncoded: value) else { throw missing(name) }
            return number
        }
        guard let nameValue = certificate.extensionValue(Self.productNameOID),
            let name = try? ASN1IA5String(derEncoded: nameValue)
        else { throw missing("product name (1.3.6.1.4.1.3704.1.2)") }
        guard let bootloader = try spl(Self.bootloaderOID, "blSPL"),
            let tee = try spl(Self.teeOID, "teeSPL"),
            let snp = try spl(Self.snpOID, "snpSPL"),
            let microcode = try spl(Self.microcodeOID, "ucodeSPL")
        else { throw missing("TCB (blSPL, teeSPL, snpSPL, ucodeSPL)") }
        let fmc = try spl(Self.fmcOID, "fmcSPL")

        var hardwareID: [UInt8]?
        if let value = certificate.extensionValue(Self.hardwareIDOID) {
            hardwareID = try Self.hardwareID(value, missing: missing("hwID (1.3.6.1.4.1.3704.1.4)"))
        }
        var cspID: String?
        if let value = certificate.extensionValue(Self.cspIDOID) {
            guard let string = try? ASN1IA5String(derEncoded: value) else { throw missing("csp_id") }
            cspID = String(string)
        }
        guard (hardwareID == nil) != (cspID == nil) else {
            throw AttestationError(
                .certificateParse,
                "the \(role) has \(hardwareID == nil ? "neither" : "both") a chip id (hwID) "
                    + "\(hardwareID == nil ? "nor" : "and") a cloud provider id (csp_id); "
                    + "a VCEK has the first, a VLEK the second")
        }
        self.init(
            productName: String(name), bootloader: bootloader, tee: tee, snp: snp, microcode: microcode, fmc: fmc,
            hardwareID: hardwareID, cspID: cspID)
    }

    /// KDS writes hwID as the raw chip id with no DER tag (64 bytes, 8 on Turin). A tagged OCTET
    /// STRING is accepted too, in case KDS ever adds the tag.
    private static func hardwareID(
        _ value: ArraySlice<UInt8>, missing: AttestationError
    ) throws(AttestationError)
        -> [UInt8]
    {
        if value.count == 64 || value.count == 8 { return Array(value) }
        guard let octets = try? ASN1OctetString(derEncoded: value), [64, 8].contains(octets.bytes.count) else {
            throw missing
        }
        return Array(octets.bytes)
    }
}
