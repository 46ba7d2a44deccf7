/// An AMD SEV-SNP ATTESTATION_REPORT (SEV-SNP firmware ABI specification 56860, "ATTESTATION_REPORT
/// Structure"), parsed but not yet verified: nothing here is trustworthy until `SEVSNPVerifier`
/// has checked the signature and the certificate chain.
public struct SEVSNPReport: Sendable, Hashable {
    /// Every report version so far is exactly 0x4A0 bytes.
    public static let size = 0x4A0
    /// The bytes the signature covers: 0x000 to 0x29F.
    public static let signedRange = 0..<0x2A0
    /// Report versions this build can read. 2 is the original layout, 3 adds CPUID
    /// family/model/stepping, 4 changes no field, 5 adds the mitigation vectors.
    public static let supportedVersions: ClosedRange<UInt32> = 2...5
    /// SIGNATURE_ALGO value for ECDSA P-384 with SHA-384, the only one defined.
    public static let ecdsaP384SHA384: UInt32 = 1

    /// The report exactly as received.
    public let bytes: [UInt8]
    /// Layout used to read the TCB fields: from the report's CPUID when it has one, otherwise
    /// inferred; the verifier replaces it with the layout of the product the chain proves.
    public let tcbLayout: TCBVersion.Layout

    /// Family, model and stepping of the CPU, as reports of version 3 and later state them.
    public struct CPUID: Sendable, Hashable {
        /// Combined (base + extended) family, e.g. 0x19 for Milan and Genoa, 0x1A for Turin.
        public let family: UInt8
        /// Combined (extended << 4 | base) model.
        public let model: UInt8
        /// Stepping.
        public let stepping: UInt8
        /// The product these values name, if this build knows it.
        public var product: SEVSNPProduct? { SEVSNPProduct(cpuidFamily: family, model: model) }
    }

    /// A firmware version (major.minor, build).
    public struct FirmwareVersion: Sendable, Hashable, CustomStringConvertible {
        /// Major version.
        public let major: UInt8
        /// Minor version.
        public let minor: UInt8
        /// Build number.
        public let build: UInt8
        /// "1.55 build 21".
        public var description: String { "\(major).\(minor) build \(build)" }
    }

    /// Parses a binary report.
    /// - Throws: `AttestationError` `.reportSize` unless exactly 1184 bytes; `.reportVersion` for
    ///   a version outside `supportedVersions`; `.reportSignature` when r or s do not fit P-384
    ///   or the reserved bytes after them are not zero.
    public init(bytes input: some Collection<UInt8>) throws(AttestationError) {
        let bytes = Array(input)
        guard bytes.count == Self.size else {
            throw AttestationError(
                .reportSize,
                "an SEV-SNP attestation report is \(Self.size) bytes; this one is \(bytes.count) "
                    + "(truncated, padded, or not a report)")
        }
        let version = Self.u32(bytes, 0x00)
        guard Self.supportedVersions.contains(version) else {
            throw AttestationError(
                .reportVersion,
                "report version \(version) is not supported (this build reads versions "
                    + "\(Self.supportedVersions.lowerBound) to \(Self.supportedVersions.upperBound)); "
                    + "update sotto if the platform's firmware is newer")
        }
        // The signature block is r ‖ s, 72 little-endian bytes each, then reserved bytes. P-384
        // scalars fill 48 bytes, so anything non-zero above them is a malformed (or altered) report.
        for (name, offset) in [("r", 0x2A0), ("s", 0x2E8)] {
            guard !bytes[(offset + 48)..<(offset + 72)].contains(where: { $0 != 0 }) else {
                throw AttestationError(
                    .reportSignature,
                    "the report signature's \(name) has non-zero bytes beyond 384 bits; "
                        + "the report is malformed or altered")
            }
        }
        guard !bytes[0x330..<Self.size].contains(where: { $0 != 0 }) else {
            throw AttestationError(
                .reportSignature,
                "the reserved bytes after the report signature are not zero; the report is malformed or altered")
        }
        self.bytes = bytes
        self.tcbLayout = Self.inferLayout(bytes, version: version)
    }

    /// Parses a report written as hexadecimal text (whitespace anywhere is ignored), as virtee
    /// tools and many logs print it.
    public init(hex text: String) throws(AttestationError) {
        let digits = text.unicodeScalars.filter { !$0.properties.isWhitespace }
        let decoded: [UInt8]
        do {
            decoded = try Hex.decode(String(String.UnicodeScalarView(digits)))
        } catch {
            let reason = (error as? CryptoError)?.message ?? "not hexadecimal"
            throw AttestationError(
                .reportEncoding, "the report is neither a \(Self.size)-byte binary nor hexadecimal text (\(reason))")
        }
        try self.init(bytes: decoded)
    }

    /// Parses a report file in either form: exactly 1184 bytes is binary, anything else must be
    /// hexadecimal text of 1184 bytes.
    public init(fileContents: some Collection<UInt8>) throws(AttestationError) {
        if fileContents.count == Self.size {
            try self.init(bytes: fileContents)
            return
        }
        // Printable ASCII, tabs and line breaks: what a hex dump may contain.
        let looksLikeText = fileContents.allSatisfy { (0x20..<0x7F).contains($0) || [0x09, 0x0A, 0x0D].contains($0) }
        guard looksLikeText else {
            throw AttestationError(
                .reportSize,
                "an SEV-SNP attestation report is \(Self.size) bytes (or \(Self.size * 2) hex digits); "
                    + "this file is \(fileContents.count) bytes of binary data")
        }
        try self.init(hex: String(decoding: fileContents, as: UTF8.self))
    }

    /// The same report with its TCB fields read in `product`'s layout.
    public func interpreted(as product: SEVSNPProduct) -> SEVSNPReport {
        SEVSNPReport(bytes: bytes, tcbLayout: product.tcbLayout)
    }

    private init(bytes: [UInt8], tcbLayout: TCBVersion.Layout) {
        self.bytes = bytes
        self.tcbLayout = tcbLayout
    }

    // MARK: Fields (offsets from spec 56860, Table "ATTESTATION_REPORT Structure")

    /// VERSION (0x00).
    public var version: UInt32 { Self.u32(bytes, 0x00) }
    /// GUEST_SVN (0x04): the guest's security version, from its ID block.
    public var guestSVN: UInt32 { Self.u32(bytes, 0x04) }
    /// POLICY (0x08).
    public var policy: GuestPolicy { GuestPolicy(rawValue: Self.u64(bytes, 0x08)) }
    /// FAMILY_ID (0x10, 16 bytes) from the ID block.
    public var familyID: [UInt8] { Array(bytes[0x10..<0x20]) }
    /// IMAGE_ID (0x20, 16 bytes) from the ID block.
    public var imageID: [UInt8] { Array(bytes[0x20..<0x30]) }
    /// VMPL (0x30): the privilege level the report was requested at (0 is the most privileged).
    public var vmpl: UInt32 { Self.u32(bytes, 0x30) }
    /// SIGNATURE_ALGO (0x34); 1 is ECDSA P-384 with SHA-384.
    public var signatureAlgorithm: UInt32 { Self.u32(bytes, 0x34) }
    /// CURRENT_TCB (0x38): the TCB the platform runs now.
    public var currentTCB: TCBVersion { TCBVersion(rawValue: Self.u64(bytes, 0x38), layout: tcbLayout) }
    /// PLATFORM_INFO (0x40).
    public var platformInfo: PlatformInfo { PlatformInfo(rawValue: Self.u64(bytes, 0x40)) }
    /// The word at 0x48: AUTHOR_KEY_EN (bit 0), MASK_CHIP_KEY (bit 1), SIGNING_KEY (bits 4:2).
    public var keyFlags: UInt32 { Self.u32(bytes, 0x48) }
    /// AUTHOR_KEY_EN: the ID block was signed by an author key.
    public var authorKeyEnabled: Bool { keyFlags & 1 != 0 }
    /// MASK_CHIP_KEY: the host masked CHIP_ID (it reads as zeros).
    public var maskChipKey: Bool { keyFlags & 2 != 0 }
    /// SIGNING_KEY: which key signed the report.
    public var signingKey: SigningKey { SigningKey(fieldValue: UInt8((keyFlags >> 2) & 7)) }
    /// REPORT_DATA (0x50, 64 bytes): what the guest asked to be bound into the report.
    public var reportData: [UInt8] { Array(bytes[0x50..<0x90]) }
    /// MEASUREMENT (0x90, 48 bytes): the launch digest of the guest's initial memory.
    public var measurement: [UInt8] { Array(bytes[0x90..<0xC0]) }
    /// HOST_DATA (0xC0, 32 bytes): data the hypervisor supplied at launch.
    public var hostData: [UInt8] { Array(bytes[0xC0..<0xE0]) }
    /// ID_KEY_DIGEST (0xE0, 48 bytes): SHA-384 of the key that signed the ID block.
    public var idKeyDigest: [UInt8] { Array(bytes[0xE0..<0x110]) }
    /// AUTHOR_KEY_DIGEST (0x110, 48 bytes): SHA-384 of the author key, when enabled.
    public var authorKeyDigest: [UInt8] { Array(bytes[0x110..<0x140]) }
    /// REPORT_ID (0x140, 32 bytes): the guest's report id.
    public var reportID: [UInt8] { Array(bytes[0x140..<0x160]) }
    /// REPORT_ID_MA (0x160, 32 bytes): the migration agent's report id (all 0xFF when none).
    public var reportIDMA: [UInt8] { Array(bytes[0x160..<0x180]) }
    /// REPORTED_TCB (0x180): the TCB the VCEK that signed this report was derived for.
    public var reportedTCB: TCBVersion { TCBVersion(rawValue: Self.u64(bytes, 0x180), layout: tcbLayout) }
    /// CPUID_FAM_ID, CPUID_MOD_ID, CPUID_STEP (0x188–0x18A), reports of version 3 and later.
    public var cpuid: CPUID? {
        version >= 3 ? CPUID(family: bytes[0x188], model: bytes[0x189], stepping: bytes[0x18A]) : nil
    }
    /// CHIP_ID (0x1A0, 64 bytes): the chip's unique id, zeros when masked; Turin uses 8 bytes.
    public var chipID: [UInt8] { Array(bytes[0x1A0..<0x1E0]) }
    /// COMMITTED_TCB (0x1E0): the TCB the platform cannot roll back below.
    public var committedTCB: TCBVersion { TCBVersion(rawValue: Self.u64(bytes, 0x1E0), layout: tcbLayout) }
    /// CURRENT_BUILD, CURRENT_MINOR, CURRENT_MAJOR (0x1E8–0x1EA): the running firmware.
    public var currentVersion: FirmwareVersion {
        FirmwareVersion(major: bytes[0x1EA], minor: bytes[0x1E9], build: bytes[0x1E8])
    }
    /// COMMITTED_BUILD, COMMITTED_MINOR, COMMITTED_MAJOR (0x1EC–0x1EE).
    public var committedVersion: FirmwareVersion {
        FirmwareVersion(major: bytes[0x1EE], minor: bytes[0x1ED], build: bytes[0x1EC])
    }
    /// LAUNCH_TCB (0x1F0): the CURRENT_TCB when the guest was launched or imported.
    public var launchTCB: TCBVersion { TCBVersion(rawValue: Self.u64(bytes, 0x1F0), layout: tcbLayout) }
    /// LAUNCH_MIT_VECTOR (0x1F8): mitigations in force at launch, reports of version 5 and later.
    public var launchMitigationVector: UInt64? { version >= 5 ? Self.u64(bytes, 0x1F8) : nil }
    /// CURRENT_MIT_VECTOR (0x200): mitigations in force now, reports of version 5 and later.
    public var currentMitigationVector: UInt64? { version >= 5 ? Self.u64(bytes, 0x200) : nil }

    /// The bytes the signature covers (0x000–0x29F).
    public var signedBytes: ArraySlice<UInt8> { bytes[Self.signedRange] }
    /// The signature's r as a big-endian 48-byte P-384 scalar.
    public var signatureR: [UInt8] { Array(bytes[0x2A0..<0x2D0].reversed()) }
    /// The signature's s as a big-endian 48-byte P-384 scalar.
    public var signatureS: [UInt8] { Array(bytes[0x2E8..<0x318].reversed()) }

    // MARK: Reading

    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func u64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }

    private static func inferLayout(_ bytes: [UInt8], version: UInt32) -> TCBVersion.Layout {
        if version >= 3, let product = SEVSNPProduct(cpuidFamily: bytes[0x188], model: bytes[0x189]) {
            return product.tcbLayout
        }
        // A version 2 report does not say its product. Turin chip ids are 8 bytes with the rest of
        // the field zero (virtee/sev reads them the same way); a masked (all-zero) id says nothing.
        let chipID = bytes[0x1A0..<0x1E0]
        let turinLike =
            chipID.prefix(8).contains(where: { $0 != 0 }) && !chipID.dropFirst(8).contains(where: { $0 != 0 })
        return turinLike ? .turin : .milanGenoa
    }
}
