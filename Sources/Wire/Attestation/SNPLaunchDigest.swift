import Crypto

/// The launch digest an AMD SEV-SNP guest's report carries as MEASUREMENT, computed from what
/// the host loads, exactly as the firmware extends it (SNP ABI, `SNP_LAUNCH_UPDATE`, the
/// PAGE_INFO structure): the OVMF image page by page, the pages OVMF's SEV metadata declares
/// (zero, secrets, CPUID, the kernel hashes table), then one VMSA page per vCPU as QEMU sets
/// them up. `sotto-server measure` prints it; the release manifest pins it.
///
/// Only QEMU's initial vCPU state is modelled (the shape a self-hosted deployment launches);
/// the vCPU signature comes from the QEMU CPU model name (`SNPLaunchDigest.vcpuSignatures`).
public struct SNPLaunchDigest: Sendable {
    /// The running digest (SHA-384, 48 bytes).
    public private(set) var bytes: [UInt8]

    /// A fresh digest (48 zero bytes), or one continuing from `seed`.
    public init(seed: [UInt8] = [UInt8](repeating: 0, count: 48)) {
        bytes = seed
    }

    /// The page types of PAGE_INFO (SNP ABI, Table "PAGE_TYPE Field Encodings").
    enum PageType: UInt8 {
        case normal = 0x01, vmsa = 0x02, zero = 0x03, unmeasured = 0x04, secrets = 0x05, cpuid = 0x06
    }

    /// A VMSA page is recorded at GPA (u64)-1, page-aligned with the bits above 51 cleared.
    static let vmsaGPA: UInt64 = 0xFFFF_FFFF_F000
    static let pageSize = 4096

    /// Extends the digest with one page: SHA-384 of PAGE_INFO (the digest so far, the page's
    /// contents digest, its length 0x70, type, no IMI, no VMPL permissions, its GPA).
    mutating func update(_ type: PageType, gpa: UInt64, contents: [UInt8]) {
        var info = bytes + contents
        info += [0x70, 0x00, type.rawValue, 0, 0, 0, 0, 0]
        info += withUnsafeBytes(of: gpa.littleEndian, Array.init)
        bytes = Array(SHA384.hash(data: info))
    }

    /// Extends with `data` as normal pages from `gpa` (a whole number of pages).
    mutating func updateNormalPages(at gpa: UInt64, _ data: ArraySlice<UInt8>) {
        var offset = data.startIndex
        while offset < data.endIndex {
            let page = data[offset..<offset + Self.pageSize]
            update(.normal, gpa: gpa + UInt64(offset - data.startIndex), contents: Array(SHA384.hash(data: page)))
            offset += Self.pageSize
        }
    }

    /// Extends with `length` bytes of pages of `type` whose contents are not hashed.
    mutating func updateUnhashedPages(_ type: PageType, at gpa: UInt64, length: UInt64) {
        var offset: UInt64 = 0
        while offset < length {
            update(type, gpa: gpa + offset, contents: [UInt8](repeating: 0, count: 48))
            offset += UInt64(Self.pageSize)
        }
    }
}

// MARK: - The whole launch

extension SNPLaunchDigest {
    /// What is measured besides the firmware: a direct-boot kernel, its initrd and command line.
    public struct DirectBoot: Sendable {
        public var kernel: [UInt8]
        public var initrd: [UInt8]
        public var commandLine: String

        public init(kernel: [UInt8], initrd: [UInt8] = [], commandLine: String = "") {
            self.kernel = kernel
            self.initrd = initrd
            self.commandLine = commandLine
        }
    }

    /// The digest of a guest launched by QEMU with `ovmf`, `vcpus` vCPUs of signature
    /// `vcpuSignature`, the SEV features `guestFeatures` (bit 0: SNP active) and, when given,
    /// a direct-boot kernel whose hashes QEMU places in OVMF's hashes table.
    /// - Throws: `AttestationError` `.measurementInput` when the firmware has no reset vector
    ///   for the other vCPUs, or no kernel hashes section for a kernel. A firmware without SEV
    ///   metadata is measured as its pages and the VMSAs, as the firmware would.
    public static func launch(
        ovmf: OVMFImage, vcpus: Int, vcpuSignature: UInt32, guestFeatures: UInt64 = 0x1, directBoot: DirectBoot? = nil
    ) throws(AttestationError) -> SNPLaunchDigest {
        guard vcpus >= 1, vcpus <= 512 else {
            throw AttestationError(.measurementInput, "--vcpus must be between 1 and 512, not \(vcpus)")
        }
        if directBoot != nil, !ovmf.metadataSections.contains(where: { $0.kind == .kernelHashes }) {
            throw AttestationError(
                .measurementInput,
                "a kernel was given, but the firmware's SEV metadata has no kernel hashes section, so the kernel "
                    + "could not be measured; use an OVMF built for measured direct boot (OvmfPkg/AmdSev)")
        }
        var digest = SNPLaunchDigest()
        digest.updateNormalPages(at: ovmf.gpa, ovmf.bytes[...])
        for section in ovmf.metadataSections {
            switch section.kind {
            case .secureMemory, .svsmCallingArea:
                digest.updateUnhashedPages(.zero, at: UInt64(section.gpa), length: UInt64(section.size))
            case .secrets:
                digest.update(.secrets, gpa: UInt64(section.gpa), contents: [UInt8](repeating: 0, count: 48))
            case .cpuid:
                digest.update(.cpuid, gpa: UInt64(section.gpa), contents: [UInt8](repeating: 0, count: 48))
            case .kernelHashes:
                if let directBoot {
                    guard let tableGPA = ovmf.hashesTableGPA, section.size == UInt32(pageSize) else {
                        throw AttestationError(
                            .measurementInput,
                            "the firmware's kernel hashes section is not one page with a hashes table address")
                    }
                    let page = SEVHashesTable(directBoot).page(offset: Int(tableGPA) & (pageSize - 1))
                    digest.updateNormalPages(at: UInt64(section.gpa), page[...])
                } else {
                    digest.updateUnhashedPages(.zero, at: UInt64(section.gpa), length: UInt64(section.size))
                }
            }
        }
        guard let apEIP = ovmf.resetEIP else {
            throw AttestationError(
                .measurementInput, "the firmware has no SEV-ES reset block, so the other vCPUs' start is unknown")
        }
        let bootProcessor = VMSAPage.qemu(eip: 0xFFFF_FFF0, guestFeatures: guestFeatures, vcpuSignature: vcpuSignature)
        let others = VMSAPage.qemu(eip: apEIP, guestFeatures: guestFeatures, vcpuSignature: vcpuSignature)
        for index in 0..<vcpus {
            digest.update(
                .vmsa, gpa: vmsaGPA, contents: Array(SHA384.hash(data: index == 0 ? bootProcessor : others)))
        }
        return digest
    }

    /// QEMU's CPU model names and their CPUID signatures (family, model, stepping as CPUID
    /// Fn0000_0001_EAX encodes them), which the VMSA's RDX holds at reset.
    public static let vcpuSignatures: [(name: String, signature: UInt32)] = [
        ("EPYC", signature(family: 23, model: 1, stepping: 2)),
        ("EPYC-v1", signature(family: 23, model: 1, stepping: 2)),
        ("EPYC-v2", signature(family: 23, model: 1, stepping: 2)),
        ("EPYC-IBPB", signature(family: 23, model: 1, stepping: 2)),
        ("EPYC-v3", signature(family: 23, model: 1, stepping: 2)),
        ("EPYC-v4", signature(family: 23, model: 1, stepping: 2)),
        ("EPYC-Rome", signature(family: 23, model: 49, stepping: 0)),
        ("EPYC-Rome-v1", signature(family: 23, model: 49, stepping: 0)),
        ("EPYC-Rome-v2", signature(family: 23, model: 49, stepping: 0)),
        ("EPYC-Rome-v3", signature(family: 23, model: 49, stepping: 0)),
        ("EPYC-Milan", signature(family: 25, model: 1, stepping: 1)),
        ("EPYC-Milan-v1", signature(family: 25, model: 1, stepping: 1)),
        ("EPYC-Milan-v2", signature(family: 25, model: 1, stepping: 1)),
        ("EPYC-Genoa", signature(family: 25, model: 17, stepping: 0)),
        ("EPYC-Genoa-v1", signature(family: 25, model: 17, stepping: 0)),
        ("EPYC-Turin", signature(family: 26, model: 0, stepping: 0)),
    ]

    /// CPUID Fn0000_0001_EAX: extended family above 0xF, the model's high nibble apart.
    public static func signature(family: UInt32, model: UInt32, stepping: UInt32) -> UInt32 {
        let (familyLow, familyHigh) = family > 0xF ? (UInt32(0xF), (family - 0xF) & 0xFF) : (family, 0)
        return familyHigh << 20 | ((model >> 4) & 0xF) << 16 | familyLow << 8 | (model & 0xF) << 4 | (stepping & 0xF)
    }
}

/// The hashes of a direct-boot kernel, initrd and command line as QEMU writes them into the
/// page OVMF reserves for them (SEV hashes table: a GUID-tagged header and three GUID-tagged
/// SHA-256 entries, padded to 16 bytes).
struct SEVHashesTable {
    static let headerGUID = guid("9438d606-4f22-4cc9-b479-a793d411fd21")
    static let kernelGUID = guid("4de79437-abd2-427f-b835-d5b172d2045b")
    static let initrdGUID = guid("44baf731-3a2f-4bd7-9af1-41e29169781d")
    static let commandLineGUID = guid("97d02dd8-bd20-4c94-aa78-e7714d36ab2a")

    let kernel: [UInt8]
    let initrd: [UInt8]
    let commandLine: [UInt8]

    init(_ boot: SNPLaunchDigest.DirectBoot) {
        kernel = Array(SHA256.hash(data: boot.kernel))
        initrd = Array(SHA256.hash(data: boot.initrd))
        // QEMU hashes the command line with its terminating NUL.
        commandLine = Array(SHA256.hash(data: Array(boot.commandLine.utf8) + [0]))
    }

    /// The table: header, then the command line, initrd and kernel entries; padded to 16.
    var table: [UInt8] {
        let entryLength = 16 + 2 + 32
        let tableLength = 16 + 2 + 3 * entryLength
        func entry(_ guid: [UInt8], _ hash: [UInt8]) -> [UInt8] {
            guid + [UInt8(entryLength & 0xFF), UInt8(entryLength >> 8)] + hash
        }
        var bytes = Self.headerGUID + [UInt8(tableLength & 0xFF), UInt8(tableLength >> 8)]
        bytes +=
            entry(Self.commandLineGUID, commandLine) + entry(Self.initrdGUID, initrd)
            + entry(Self.kernelGUID, kernel)
        return bytes + [UInt8](repeating: 0, count: (16 - bytes.count % 16) % 16)
    }

    /// The page holding the table at `offset`.
    func page(offset: Int) -> [UInt8] {
        var page = [UInt8](repeating: 0, count: SNPLaunchDigest.pageSize)
        let table = self.table
        page.replaceSubrange(offset..<offset + table.count, with: table)
        return page
    }

    /// A GUID's bytes as EFI stores them (the first three fields little-endian).
    static func guid(_ text: String) -> [UInt8] {
        let hex = Array(text.replacingOccurrences(of: "-", with: "").utf8)
        var bytes = stride(from: 0, to: 32, by: 2).map {
            UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
        bytes[0..<4].reverse()
        bytes[4..<6].reverse()
        bytes[6..<8].reverse()
        return bytes
    }
}

/// A vCPU's save area (VMSA) at reset, as QEMU's KVM sets it up for an SEV-ES/SNP guest: the
/// AMD APM's layout (Vol. 2, Table B-4), 4 KiB.
enum VMSAPage {
    static func qemu(eip: UInt32, guestFeatures: UInt64, vcpuSignature: UInt32) -> [UInt8] {
        var page = [UInt8](repeating: 0, count: SNPLaunchDigest.pageSize)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { page.replaceSubrange(offset..<offset + $0.count, with: $0) }
        }
        /// A segment register: selector, attributes, limit, base.
        func segment(_ offset: Int, selector: UInt16, attributes: UInt16, base: UInt64 = 0) {
            put(selector, at: offset)
            put(attributes, at: offset + 2)
            put(UInt32(0xFFFF), at: offset + 4)
            put(base, at: offset + 8)
        }
        segment(0x00, selector: 0, attributes: 0x93)  // es
        segment(0x10, selector: 0xF000, attributes: 0x9B, base: UInt64(eip & 0xFFFF_0000))  // cs
        segment(0x20, selector: 0, attributes: 0x93)  // ss
        segment(0x30, selector: 0, attributes: 0x93)  // ds
        segment(0x40, selector: 0, attributes: 0x93)  // fs
        segment(0x50, selector: 0, attributes: 0x93)  // gs
        segment(0x60, selector: 0, attributes: 0)  // gdtr
        segment(0x70, selector: 0, attributes: 0x82)  // ldtr
        segment(0x80, selector: 0, attributes: 0)  // idtr
        segment(0x90, selector: 0, attributes: 0x8B)  // tr
        put(UInt64(0x1000), at: 0xD0)  // EFER: SVME, as KVM sets it
        put(UInt64(0x40), at: 0x148)  // CR4: MCE
        put(UInt64(0x10), at: 0x158)  // CR0: ET
        put(UInt64(0x400), at: 0x160)  // DR7
        put(UInt64(0xFFFF_0FF0), at: 0x168)  // DR6
        put(UInt64(0x2), at: 0x170)  // RFLAGS
        put(UInt64(eip & 0xFFFF), at: 0x178)  // RIP
        put(UInt64(0x0007_0406_0007_0406), at: 0x268)  // G_PAT: the PAT MSR's reset value
        put(UInt64(vcpuSignature), at: 0x310)  // RDX: the CPUID signature
        put(guestFeatures, at: 0x3B0)  // SEV_FEATURES
        put(UInt64(0x1), at: 0x3E8)  // XCR0
        put(UInt32(0x1F80), at: 0x408)  // MXCSR
        put(UInt16(0x37F), at: 0x410)  // x87 FCW
        return page
    }
}
