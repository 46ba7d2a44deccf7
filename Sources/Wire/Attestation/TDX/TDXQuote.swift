/// An Intel TDX quote (version 4 or 5, ECDSA P-256, certification data type 6), parsed but not yet
/// verified: nothing here is trustworthy until `TDXVerifier` has checked the PCK chain, the QE
/// report and the quote's signature.
///
/// Layout from Intel's "TDX DCAP Quote Generation Library and Quote Verification Library API"
/// (quote formats 4 and 5). Every integer is little-endian. Every length is checked against what
/// is left before it is used, so a malformed quote is refused with the code of the part that is
/// wrong, never read out of bounds.
public struct TDXQuote: Sendable, Hashable {
    /// The header is 48 bytes in both versions.
    public static let headerSize = 48
    /// Attestation key type 2: ECDSA with P-256, the only one TDX uses.
    public static let ecdsaP256KeyType: UInt16 = 2
    /// TEE type of a TDX quote (0 is SGX).
    public static let tdxTEEType: UInt32 = 0x81
    /// QE_VENDOR_ID of Intel's quoting enclave.
    public static let intelQEVendorID: [UInt8] = [
        0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9, 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07,
    ]
    /// Certification data type 6: a QE report, its signature, QE auth data and inner data.
    static let qeReportCertificationDataType: UInt16 = 6
    /// Inner certification data type 5: the PCK certificate chain as PEM.
    static let pckChainCertificationDataType: UInt16 = 5

    /// The quote exactly as received.
    public let bytes: [UInt8]
    /// The header's version: 4 or 5.
    public let version: UInt16
    /// The TD report the quote carries (TD 1.0 or TD 1.5).
    public let body: TDReportBody
    /// The bytes the quote's signature covers: the header, then (version 5) the body type and
    /// size, then the body.
    public let signedBytes: ArraySlice<UInt8>
    /// ECDSA P-256 signature over `signedBytes`, r ‖ s big-endian (64 bytes).
    public let signature: [UInt8]
    /// The attestation key, the uncompressed point x ‖ y without its 0x04 prefix (64 bytes).
    public let attestationKey: [UInt8]
    /// The quoting enclave's report, signed by the PCK key.
    public let qeReport: SGXEnclaveReport
    /// ECDSA P-256 signature over the QE report's 384 bytes, r ‖ s big-endian.
    public let qeReportSignature: [UInt8]
    /// QE authentication data, bound into the QE report's REPORT_DATA with the attestation key.
    public let qeAuthData: [UInt8]
    /// The PCK certificate chain as PEM text (PCK, Platform or Processor CA, Root CA).
    public let pckChainPEM: String

    /// The header's attestation key type, TEE type and QE vendor (already checked).
    public var header: ArraySlice<UInt8> { bytes[0..<Self.headerSize] }
    /// USER_DATA (header 0x1C, 20 bytes): the first 16 bytes are the platform's QE id.
    public var userData: [UInt8] { Array(bytes[28..<48]) }

    /// Parses a binary quote.
    /// - Throws: `TDXError` with the code of the first part that is malformed or unsupported.
    public init(bytes input: some Collection<UInt8>) throws(TDXError) {
        let bytes = Array(input)
        var reader = TDXQuoteReader(bytes: bytes)
        let header = try reader.take(Self.headerSize, .header, "the 48-byte header")
        let version = TDXQuoteReader.u16(header, 0)
        guard version == 4 || version == 5 else {
            throw TDXError(
                .version,
                "quote version \(version) is not supported (this build reads TDX quotes of versions 4 and 5)")
        }
        let keyType = TDXQuoteReader.u16(header, 2)
        guard keyType == Self.ecdsaP256KeyType else {
            throw TDXError(
                .attestationKeyType,
                "the quote's attestation key type is \(keyType); TDX quotes use 2 (ECDSA P-256)")
        }
        let teeType = TDXQuoteReader.u32(header, 4)
        guard teeType == Self.tdxTEEType else {
            throw TDXError(
                .teeType,
                "the quote's TEE type is 0x\(String(teeType, radix: 16)); a TDX quote has 0x81 "
                    + "(0 is an SGX enclave quote)")
        }
        guard Array(header[header.startIndex + 12..<header.startIndex + 28]) == Self.intelQEVendorID else {
            throw TDXError(.qeVendor, "the quote was not made by Intel's quoting enclave (QE_VENDOR_ID differs)")
        }

        let bodyKind: TDReportBody.Kind
        if version == 4 {
            bodyKind = .td10
        } else {
            let descriptor = try reader.take(6, .body, "the body type and size")
            let type = TDXQuoteReader.u16(descriptor, 0)
            let size = TDXQuoteReader.u32(descriptor, 2)
            guard let kind = TDReportBody.Kind(quoteBodyType: type) else {
                throw TDXError(
                    .body,
                    "the quote's body type is \(type); a TDX quote carries type 2 (TD report 1.0) or 3 (TD report 1.5)")
            }
            guard size == kind.size else {
                throw TDXError(
                    .body, "the quote says its \(kind) body is \(size) bytes; that body is always \(kind.size)")
            }
            bodyKind = kind
        }
        let body = try reader.take(bodyKind.size, .body, "the \(bodyKind.size)-byte \(bodyKind) body")
        let signedEnd = reader.offset

        let signatureDataLength = Int(
            TDXQuoteReader.u32(try reader.take(4, .signatureData, "the signature data length"), 0))
        guard signatureDataLength <= reader.remaining else {
            throw TDXError(
                .signatureData,
                "the quote says its signature data is \(signatureDataLength) bytes, but only \(reader.remaining) "
                    + "follow; the quote is truncated")
        }
        // A quote read from a fixed-size buffer may be padded with zeros; anything else after the
        // signature data is not part of the quote and is refused rather than ignored.
        guard !bytes[(reader.offset + signatureDataLength)...].contains(where: { $0 != 0 }) else {
            throw TDXError(.signatureData, "non-zero bytes follow the quote's signature data; the quote is malformed")
        }
        var signatureData = TDXQuoteReader(bytes: Array(reader.take(signatureDataLength)))
        let signature = try signatureData.take(64, .signatureData, "the quote signature")
        let attestationKey = try signatureData.take(64, .signatureData, "the attestation key")
        let certificationHeader = try signatureData.take(6, .certificationData, "the certification data type and size")
        let certificationType = TDXQuoteReader.u16(certificationHeader, 0)
        guard certificationType == Self.qeReportCertificationDataType else {
            throw TDXError(
                .certificationData,
                "the quote's certification data is of type \(certificationType); TDX quotes carry type 6 "
                    + "(QE report certification data)")
        }
        let certificationSize = Int(TDXQuoteReader.u32(certificationHeader, 2))
        guard certificationSize == signatureData.remaining else {
            throw TDXError(
                .certificationData,
                "the certification data says it is \(certificationSize) bytes; the signature data holds "
                    + "\(signatureData.remaining)")
        }
        let qeReport = try signatureData.take(SGXEnclaveReport.size, .qeReport, "the 384-byte QE report")
        let qeReportSignature = try signatureData.take(64, .qeReport, "the QE report signature")
        let authSize = Int(TDXQuoteReader.u16(try signatureData.take(2, .qeAuthData, "the QE auth data size"), 0))
        let qeAuthData = try signatureData.take(authSize, .qeAuthData, "the \(authSize)-byte QE auth data")
        let innerHeader = try signatureData.take(6, .pckChainData, "the PCK chain type and size")
        let innerType = TDXQuoteReader.u16(innerHeader, 0)
        guard innerType == Self.pckChainCertificationDataType else {
            throw TDXError(
                .pckChainData,
                "the QE certification data holds data of type \(innerType); this build reads type 5 "
                    + "(the PCK certificate chain as PEM)")
        }
        let innerSize = Int(TDXQuoteReader.u32(innerHeader, 2))
        guard innerSize == signatureData.remaining else {
            throw TDXError(
                .pckChainData,
                "the PCK chain data says it is \(innerSize) bytes; the certification data holds "
                    + "\(signatureData.remaining) after the QE auth data")
        }
        // Intel's quoting library ends the PEM text with a NUL; it is not part of the PEM.
        var pem = Array(signatureData.take(innerSize))
        while pem.last == 0 { pem.removeLast() }

        self.bytes = bytes
        self.version = version
        self.body = TDReportBody(kind: bodyKind, bytes: Array(body))
        self.signedBytes = bytes[0..<signedEnd]
        self.signature = Array(signature)
        self.attestationKey = Array(attestationKey)
        self.qeReport = SGXEnclaveReport(bytes: Array(qeReport))
        self.qeReportSignature = Array(qeReportSignature)
        self.qeAuthData = Array(qeAuthData)
        self.pckChainPEM = String(decoding: pem, as: UTF8.self)
    }

    /// Parses a quote written as hexadecimal text (whitespace anywhere and a leading "0x" are
    /// ignored), as dcap-qvl and many logs print it.
    public init(hex text: String) throws(TDXError) {
        var digits = String(String.UnicodeScalarView(text.unicodeScalars.filter { !$0.properties.isWhitespace }))
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits.removeFirst(2) }
        let decoded: [UInt8]
        do {
            decoded = try Hex.decode(digits)
        } catch {
            let reason = (error as? CryptoError)?.message ?? "not hexadecimal"
            throw TDXError(.quoteEncoding, "the quote is neither binary nor hexadecimal text (\(reason))")
        }
        try self.init(bytes: decoded)
    }

    /// Parses a quote file in either form: text of hex digits and whitespace is hex, anything
    /// else binary (a binary quote starts with its version, 4 or 5, then a zero byte, so it is
    /// never all hex digits).
    public init(fileContents: some Collection<UInt8>) throws(TDXError) {
        let isHexText = !fileContents.isEmpty && fileContents.allSatisfy(Self.isHexTextByte)
        if isHexText {
            try self.init(hex: String(decoding: fileContents, as: UTF8.self))
        } else {
            try self.init(bytes: fileContents)
        }
    }
}

extension TDXQuote {
    /// A hex digit, whitespace, or the x of a "0x" prefix.
    fileprivate static func isHexTextByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "x"), UInt8(ascii: "X"), 0x09, 0x0A, 0x0D, 0x20:
            true
        default: false
        }
    }
}

/// Reads a quote front to back, refusing any read past the end with the code of the part read.
struct TDXQuoteReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    /// The next `count` bytes, or `code` naming `part` when fewer are left.
    mutating func take(_ count: Int, _ code: TDXErrorCode, _ part: String) throws(TDXError) -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw TDXError(
                code, "the quote ends inside \(part) (\(remaining) of \(count) bytes); the quote is truncated")
        }
        return take(count)
    }

    /// The next `count` bytes, which the caller has checked are there.
    mutating func take(_ count: Int) -> ArraySlice<UInt8> {
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    static func u16(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt16 {
        let start = bytes.startIndex + offset
        return UInt16(bytes[start]) | UInt16(bytes[start + 1]) << 8
    }

    static func u32(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt32 {
        let start = bytes.startIndex + offset
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[start + $1]) << (8 * $1) }
    }

    static func u64(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt64 {
        let start = bytes.startIndex + offset
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[start + $1]) << (8 * $1) }
    }
}
