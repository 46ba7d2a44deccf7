extension SEVSNPReport {
    /// A TCB_VERSION: the security patch levels (SPLs) of the firmware and microcode a report
    /// was produced under. The same 64 bits pack differently per product (spec 56860, TCB_VERSION).
    public struct TCBVersion: Sendable, Hashable, CustomStringConvertible {
        /// How a product packs the eight bytes.
        public enum Layout: String, Sendable, Hashable, Codable {
            /// Milan and Genoa: BOOT_LOADER, TEE, 4 reserved, SNP, MICROCODE.
            case milanGenoa
            /// Turin: FMC, BOOT_LOADER, TEE, SNP, 3 reserved, MICROCODE.
            case turin
        }

        /// The field as the report stores it (little-endian on the wire).
        public let rawValue: UInt64
        /// The product layout used to read the components.
        public let layout: Layout

        /// A TCB_VERSION read with `layout`.
        public init(rawValue: UInt64, layout: Layout) {
            self.rawValue = rawValue
            self.layout = layout
        }

        /// A TCB_VERSION assembled from its components (reserved bytes zero). `fmc` is ignored
        /// by the Milan/Genoa layout, which has no FMC.
        public init(layout: Layout, fmc: UInt8 = 0, bootloader: UInt8, tee: UInt8, snp: UInt8, microcode: UInt8) {
            var bytes = [UInt8](repeating: 0, count: 8)
            switch layout {
            case .milanGenoa:
                bytes[0] = bootloader
                bytes[1] = tee
                bytes[6] = snp
            case .turin:
                bytes[0] = fmc
                bytes[1] = bootloader
                bytes[2] = tee
                bytes[3] = snp
            }
            bytes[7] = microcode
            let raw = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
            self.init(rawValue: raw, layout: layout)
        }

        private func byte(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: rawValue >> (8 * index)) }

        /// The SVN of the first mutable firmware component; Turin only (nil for Milan/Genoa).
        public var fmc: UInt8? { layout == .turin ? byte(0) : nil }
        /// The SVN of the PSP bootloader.
        public var bootloader: UInt8 { layout == .turin ? byte(1) : byte(0) }
        /// The SVN of the PSP operating system.
        public var tee: UInt8 { layout == .turin ? byte(2) : byte(1) }
        /// The SVN of the SNP firmware.
        public var snp: UInt8 { layout == .turin ? byte(3) : byte(6) }
        /// The lowest microcode patch level of all cores.
        public var microcode: UInt8 { byte(7) }

        /// The named components in a fixed order, for printing and comparison.
        public var components: [(name: String, value: UInt8)] {
            var list = [(name: String, value: UInt8)]()
            if let fmc { list.append(("fmc", fmc)) }
            list += [("bootloader", bootloader), ("tee", tee), ("snp", snp), ("microcode", microcode)]
            return list
        }

        /// "bootloader=3 tee=0 snp=8 microcode=115" (Turin adds fmc first).
        public var description: String {
            components.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        }

        /// The first component below `minimum`, or nil when every component meets it. FMC is only
        /// compared when both sides have one.
        public func firstComponentBelow(_ minimum: MinimumTCB) -> (name: String, value: UInt8, minimum: UInt8)? {
            var pairs: [(String, UInt8, UInt8)] = []
            if let fmc { pairs.append(("fmc", fmc, minimum.fmc)) }
            pairs += [
                ("bootloader", bootloader, minimum.bootloader), ("tee", tee, minimum.tee),
                ("snp", snp, minimum.snp), ("microcode", microcode, minimum.microcode),
            ]
            return pairs.first { $0.1 < $0.2 }.map { (name: $0.0, value: $0.1, minimum: $0.2) }
        }
    }

    /// Per-component lower bounds for a TCB_VERSION, independent of the product layout.
    public struct MinimumTCB: Sendable, Hashable, Codable {
        /// Minimum FMC SVN (Turin only; ignored for Milan/Genoa).
        public var fmc: UInt8
        /// Minimum PSP bootloader SVN.
        public var bootloader: UInt8
        /// Minimum PSP OS (TEE) SVN.
        public var tee: UInt8
        /// Minimum SNP firmware SVN.
        public var snp: UInt8
        /// Minimum microcode patch level.
        public var microcode: UInt8

        /// Bounds on each component; all zero accepts any TCB.
        public init(fmc: UInt8 = 0, bootloader: UInt8 = 0, tee: UInt8 = 0, snp: UInt8 = 0, microcode: UInt8 = 0) {
            self.fmc = fmc
            self.bootloader = bootloader
            self.tee = tee
            self.snp = snp
            self.microcode = microcode
        }

        /// No minimum: every TCB meets it.
        public static let none = MinimumTCB()

        /// The components in a fixed order, for printing and comparing.
        public var components: [(name: String, value: UInt8)] {
            [("fmc", fmc), ("bootloader", bootloader), ("tee", tee), ("snp", snp), ("microcode", microcode)]
        }

        /// The higher of the two floors, component by component.
        public func raised(to other: MinimumTCB) -> MinimumTCB {
            MinimumTCB(
                fmc: max(fmc, other.fmc), bootloader: max(bootloader, other.bootloader), tee: max(tee, other.tee),
                snp: max(snp, other.snp), microcode: max(microcode, other.microcode))
        }

        /// The first component where this floor is below `other`, or nil when it is at least as strict.
        public func firstComponentLooser(than other: MinimumTCB) -> (name: String, value: UInt8, floor: UInt8)? {
            zip(components, other.components).first { $0.0.value < $0.1.value }.map {
                (name: $0.0.name, value: $0.0.value, floor: $0.1.value)
            }
        }

        /// "fmc=3 bootloader=4 tee=0 snp=8 microcode=12"; fmc is left out for a product without one.
        public func description(for product: SEVSNPProduct) -> String {
            components.filter { product.tcbLayout == .turin || $0.name != "fmc" }.map { "\($0.name)=\($0.value)" }
                .joined(separator: " ")
        }

        enum CodingKeys: String, CodingKey {
            case fmc, bootloader, tee, snp, microcode
        }

        /// Components left out of the JSON are zero: a manifest names only the ones it raises.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                fmc: try container.decodeIfPresent(UInt8.self, forKey: .fmc) ?? 0,
                bootloader: try container.decodeIfPresent(UInt8.self, forKey: .bootloader) ?? 0,
                tee: try container.decodeIfPresent(UInt8.self, forKey: .tee) ?? 0,
                snp: try container.decodeIfPresent(UInt8.self, forKey: .snp) ?? 0,
                microcode: try container.decodeIfPresent(UInt8.self, forKey: .microcode) ?? 0)
        }
    }
}
