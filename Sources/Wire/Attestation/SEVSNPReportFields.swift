// The bit-field types of an ATTESTATION_REPORT: guest policy, platform info, signing key.

extension SEVSNPReport {
    /// The guest policy the owner set at launch (report offset 0x08). The firmware enforces it
    /// for the guest's whole life, including after migration.
    public struct GuestPolicy: Sendable, Hashable, CustomStringConvertible {
        /// The 64-bit field as stored.
        public let rawValue: UInt64

        /// A policy from its raw bits.
        public init(rawValue: UInt64) { self.rawValue = rawValue }

        private func bit(_ n: Int) -> Bool { rawValue & (1 << UInt64(n)) != 0 }

        /// Minimum firmware ABI minor version the guest requires.
        public var abiMinor: UInt8 { UInt8(truncatingIfNeeded: rawValue) }
        /// Minimum firmware ABI major version the guest requires.
        public var abiMajor: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
        /// The host may run other threads on the guest's cores (SMT).
        public var smt: Bool { bit(16) }
        /// Bit 17 is reserved and must be one; a zero here means a malformed policy.
        public var reservedMustBeOne: Bool { bit(17) }
        /// A migration agent may be associated with the guest.
        public var migrateMA: Bool { bit(18) }
        /// The hypervisor may debug the guest, i.e. decrypt its memory.
        public var debug: Bool { bit(19) }
        /// The guest may only be activated on a single socket.
        public var singleSocket: Bool { bit(20) }
        /// CXL devices or memory may be populated.
        public var cxlAllowed: Bool { bit(21) }
        /// Memory encryption must use AES-256-XTS.
        public var memAES256XTS: Bool { bit(22) }
        /// Running Average Power Limit must be disabled.
        public var raplDisabled: Bool { bit(23) }
        /// Ciphertext hiding must be enabled for DRAM.
        public var ciphertextHiding: Bool { bit(24) }
        /// The guest's pages may not be swapped out by the hypervisor.
        public var pageSwapDisabled: Bool { bit(25) }

        /// "0x30000 (abi 0.0, smt, ...)".
        public var description: String {
            var flags = ["abi \(abiMajor).\(abiMinor)"]
            if smt { flags.append("smt") }
            if migrateMA { flags.append("migrate-ma") }
            if debug { flags.append("DEBUG") }
            if singleSocket { flags.append("single-socket") }
            if cxlAllowed { flags.append("cxl") }
            if memAES256XTS { flags.append("aes-256-xts") }
            if raplDisabled { flags.append("rapl-disabled") }
            if ciphertextHiding { flags.append("ciphertext-hiding") }
            if pageSwapDisabled { flags.append("page-swap-disabled") }
            return "0x\(String(rawValue, radix: 16)) (\(flags.joined(separator: ", ")))"
        }
    }

    /// PLATFORM_INFO (offset 0x40): the platform's state when the report was made.
    public struct PlatformInfo: Sendable, Hashable {
        /// The 64-bit field as stored.
        public let rawValue: UInt64

        /// Platform info from its raw bits.
        public init(rawValue: UInt64) { self.rawValue = rawValue }

        private func bit(_ n: Int) -> Bool { rawValue & (1 << UInt64(n)) != 0 }

        /// SMT is enabled on the host.
        public var smtEnabled: Bool { bit(0) }
        /// Transparent SME is enabled.
        public var tsmeEnabled: Bool { bit(1) }
        /// The platform uses ECC memory.
        public var eccEnabled: Bool { bit(2) }
        /// RAPL is disabled.
        public var raplDisabled: Bool { bit(3) }
        /// Ciphertext hiding is enabled for DRAM.
        public var ciphertextHidingEnabled: Bool { bit(4) }
        /// Memory alias detection completed with no aliases (BadRAM mitigation).
        public var aliasCheckComplete: Bool { bit(5) }
        /// SEV-TIO is enabled.
        public var tioEnabled: Bool { bit(7) }
    }

    /// The key that signed the report (SIGNING_KEY, bits 4:2 of the word at 0x48).
    public enum SigningKey: Sendable, Hashable, CustomStringConvertible {
        /// The chip- and TCB-specific Versioned Chip Endorsement Key.
        case vcek
        /// The cloud-provider-loaded Versioned Loaded Endorsement Key.
        case vlek
        /// The report is unsigned.
        case none
        /// A value the specification reserves (2 to 6).
        case reserved(UInt8)

        /// The key kind of a SIGNING_KEY field value (0...7).
        public init(fieldValue: UInt8) {
            switch fieldValue {
            case 0: self = .vcek
            case 1: self = .vlek
            case 7: self = .none
            default: self = .reserved(fieldValue)
            }
        }

        /// "VCEK", "VLEK", "none" or "reserved(n)".
        public var description: String {
            switch self {
            case .vcek: "VCEK"
            case .vlek: "VLEK"
            case .none: "none"
            case .reserved(let value): "reserved(\(value))"
            }
        }
    }
}
