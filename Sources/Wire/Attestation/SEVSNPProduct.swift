/// An AMD EPYC product line with SEV-SNP. Each has its own root key (ARK) and TCB_VERSION layout.
public enum SEVSNPProduct: String, Sendable, Hashable, CaseIterable, Codable {
    /// 3rd generation EPYC (Zen 3, family 19h models 00h–0Fh).
    case milan = "Milan"
    /// 4th generation EPYC (Zen 4, family 19h models 10h–1Fh and A0h–AFh).
    case genoa = "Genoa"
    /// 5th generation EPYC (Zen 5, family 1Ah models 00h–11h).
    case turin = "Turin"

    /// The name AMD uses in certificates and KDS URLs ("Milan", "Genoa", "Turin").
    public var name: String { rawValue }

    /// A published break of the product's attestation, or nil. The shipped policy refuses a
    /// product that has one; a user's policy may allow it, and every verdict then says this.
    public var knownBreak: String? {
        switch self {
        case .milan:
            "EPYC Milan's VCEK seed can be extracted in software (published May 2026), so whoever did so can "
                + "forge its attestation reports for any firmware"
        case .genoa, .turin: nil
        }
    }

    /// The product named in a policy file, case-insensitively ("milan", "Genoa").
    public init?(policyName: String) {
        guard let product = Self.allCases.first(where: { $0.rawValue.lowercased() == policyName.lowercased() })
        else { return nil }
        self = product
    }

    /// How this product packs its TCB_VERSION fields.
    public var tcbLayout: SEVSNPReport.TCBVersion.Layout {
        self == .turin ? .turin : .milanGenoa
    }

    /// The number of CHIP_ID bytes the VCEK hwID extension carries: Turin ids are 8 bytes, the
    /// rest of the report's 64-byte field is zero.
    public var hardwareIDLength: Int {
        self == .turin ? 8 : 64
    }

    /// The product of a CPUID family and model as a v3+ report states them, or nil when unknown
    /// (a newer product this build does not know, or a zeroed field).
    public init?(cpuidFamily family: UInt8, model: UInt8) {
        // Ranges as the AMD processor programming references assign them (virtee/sev uses the same).
        switch (family, model) {
        case (0x19, 0x00...0x0F): self = .milan
        case (0x19, 0x10...0x1F), (0x19, 0xA0...0xAF): self = .genoa
        case (0x1A, 0x00...0x11): self = .turin
        default: return nil
        }
    }

    /// The product of a VCEK/VLEK product-name extension ("Milan-B0", "Genoa-B1", "Turin"), or nil.
    /// VLEK certificates carry no stepping suffix, and some Turin VCEKs do not either.
    public init?(productName: String) {
        let line = productName.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).first
        guard let line, let product = SEVSNPProduct(rawValue: String(line)) else { return nil }
        self = product
    }
}
