/// An OVMF firmware image as SEV-SNP measurement needs it: where it sits below 4 GiB, the GUID
/// table OVMF keeps in its last bytes (the footer table), and the SEV metadata it points to,
/// which lists the pages the firmware expects the host to add (zero, secrets, CPUID, the kernel
/// hashes). Every length and offset is checked against the image; nothing is read outside it.
public struct OVMFImage: Sendable {
    /// One page range of the SEV metadata.
    public struct Section: Sendable, Hashable {
        public enum Kind: UInt32, Sendable {
            case secureMemory = 1, secrets = 2, cpuid = 3, svsmCallingArea = 4, kernelHashes = 0x10
        }
        public let gpa: UInt32
        public let size: UInt32
        public let kind: Kind
    }

    static let footerGUID = SEVHashesTable.guid("96b582de-1fb2-45f7-baea-a366c55a082d")
    static let hashesTableGUID = SEVHashesTable.guid("7255371f-3a3b-4b04-927b-1da6efa8d454")
    static let resetBlockGUID = SEVHashesTable.guid("00f771de-1a7e-4fcb-890e-68c77e2fb44e")
    static let metadataGUID = SEVHashesTable.guid("dc886566-984a-4798-a75e-5585a7bf67cc")

    /// The image.
    public let bytes: [UInt8]
    /// Where its first byte is loaded: it ends at 4 GiB.
    public let gpa: UInt64
    /// The footer table's entries: GUID bytes to their data.
    let table: [[UInt8]: [UInt8]]
    /// The SEV metadata's sections, in order; empty when the image has none.
    public let metadataSections: [Section]

    /// Where the other vCPUs start (the SEV-ES reset block), if the image says.
    public var resetEIP: UInt32? { table[Self.resetBlockGUID].flatMap { Self.u32($0[...], 0) } }
    /// Where the kernel hashes table goes (the hashes table entry), if the image says.
    public var hashesTableGPA: UInt32? {
        table[Self.hashesTableGUID].flatMap { Self.u32($0[...], 0) }.flatMap { $0 == 0 ? nil : $0 }
    }

    /// - Throws: `AttestationError` `.firmwareImage` when the image is not whole pages (or is
    ///   empty or above 4 GiB), or its footer table or SEV metadata is damaged.
    public init(bytes: [UInt8]) throws(AttestationError) {
        let size = bytes.count
        guard size > 0, size % 4096 == 0, UInt64(size) <= 1 << 32 else {
            throw AttestationError(
                .firmwareImage,
                "the firmware image is \(size) bytes; it must be a whole number of 4 KiB pages, at most 4 GiB")
        }
        self.bytes = bytes
        gpa = (1 << 32) - UInt64(size)
        table = try Self.footerTable(bytes)
        metadataSections = try Self.metadata(bytes, table: table)
    }

    static func u16(_ data: ArraySlice<UInt8>, _ at: Int) -> UInt16? {
        let start = data.startIndex + at
        guard at >= 0, start + 2 <= data.endIndex else { return nil }
        return UInt16(data[start]) | UInt16(data[start + 1]) << 8
    }

    static func u32(_ data: ArraySlice<UInt8>, _ at: Int) -> UInt32? {
        let start = data.startIndex + at
        guard at >= 0, start + 4 <= data.endIndex else { return nil }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[start + $1]) << (8 * $1) }
    }

    /// The GUID table that ends 32 bytes before the image's end: entries read from its end,
    /// each a payload followed by its size (u16, counting the 18-byte header) and GUID.
    static func footerTable(_ bytes: [UInt8]) throws(AttestationError) -> [[UInt8]: [UInt8]] {
        let header = 18
        let footerStart = bytes.count - 32 - header
        guard footerStart >= 0, Array(bytes[footerStart + 2..<footerStart + header]) == footerGUID,
            let footerSize = u16(bytes[...], footerStart)
        else { return [:] }
        let tableSize = Int(footerSize) - header
        guard tableSize >= 0, tableSize <= footerStart else {
            throw AttestationError(
                .firmwareImage, "the firmware's GUID table claims \(footerSize) bytes; it is damaged")
        }
        var rest = bytes[(footerStart - tableSize)..<footerStart]
        var table: [[UInt8]: [UInt8]] = [:]
        while rest.count >= header {
            let entryStart = rest.endIndex - header
            let entrySize = Int(u16(rest, entryStart - rest.startIndex)!)
            guard entrySize >= header, entrySize <= rest.count else {
                throw AttestationError(
                    .firmwareImage, "an entry of the firmware's GUID table has size \(entrySize); the table is damaged")
            }
            table[Array(rest[entryStart + 2..<rest.endIndex])] = Array(rest[(rest.endIndex - entrySize)..<entryStart])
            rest = rest[rest.startIndex..<(rest.endIndex - entrySize)]
        }
        return table
    }

    /// The SEV metadata ("ASEV", version 1, then 12-byte sections) at the offset from the
    /// image's end that its table entry gives.
    static func metadata(_ bytes: [UInt8], table: [[UInt8]: [UInt8]]) throws(AttestationError) -> [Section] {
        guard let entry = table[metadataGUID] else { return [] }
        guard let offsetFromEnd = u32(entry[...], 0), offsetFromEnd <= bytes.count, offsetFromEnd >= 16 else {
            throw AttestationError(.firmwareImage, "the firmware's SEV metadata entry points outside the image")
        }
        let start = bytes.count - Int(offsetFromEnd)
        let data = bytes[start...]
        guard Array(data.prefix(4)) == Array("ASEV".utf8), let length = u32(data, 4), let version = u32(data, 8),
            let count = u32(data, 12)
        else {
            throw AttestationError(.firmwareImage, "the firmware's SEV metadata does not begin with \"ASEV\"")
        }
        guard version == 1 else {
            throw AttestationError(.firmwareImage, "the firmware's SEV metadata is version \(version); only 1 is known")
        }
        guard length >= 16, Int(length) <= data.count, UInt64(count) * 12 <= UInt64(length) - 16 else {
            throw AttestationError(
                .firmwareImage,
                "the firmware's SEV metadata claims \(count) sections in \(length) bytes; it is damaged")
        }
        return try (0..<Int(count)).map { (index: Int) throws(AttestationError) -> Section in
            let at = 16 + index * 12
            let type = u32(data, at + 8)!
            guard let kind = Section.Kind(rawValue: type) else {
                throw AttestationError(
                    .firmwareImage, "the firmware's SEV metadata has a section of unknown type \(type)")
            }
            let section = Section(gpa: u32(data, at)!, size: u32(data, at + 4)!, kind: kind)
            guard section.gpa % 4096 == 0, section.size % 4096 == 0, section.size > 0,
                UInt64(section.gpa) + UInt64(section.size) <= 1 << 32
            else {
                throw AttestationError(
                    .firmwareImage,
                    "a section of the firmware's SEV metadata (at \(section.gpa), \(section.size) bytes) is not whole pages below 4 GiB"
                )
            }
            return section
        }
    }
}
