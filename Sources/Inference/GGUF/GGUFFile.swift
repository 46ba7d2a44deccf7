/// A GGUF v2/v3 model file, validated in full when opened, whose tensors are read in place from a read-only
/// memory mapping.
public final class GGUFFile: Sendable {
    /// The GGUF format version, 2 or 3.
    public let version: UInt32
    /// The key/value metadata.
    public let metadata: GGUFMetadata
    /// The tensors in the order the file lists them.
    public let tensors: [GGUFTensor]
    /// The alignment of tensor data: `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Where the tensor data section starts, from the beginning of the file.
    public let dataOffset: Int
    /// The size of the file in bytes.
    public let byteCount: Int
    private let tensorIndex: [String: Int]
    private let region: MappedRegion

    /// Maps the file at `path` read-only and validates it.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(region: MappedRegion(path: path))
    }

    /// Validates a GGUF file held in memory; the bytes are copied once into aligned storage.
    public convenience init(bytes: [UInt8]) throws(GGUFError) {
        try self.init(region: MappedRegion(copying: bytes))
    }

    private init(region: MappedRegion) throws(GGUFError) {
        var parser = GGUFParser(region.bytes)
        let layout = try parser.parse()
        self.region = region
        version = layout.version
        metadata = layout.metadata
        alignment = layout.alignment
        dataOffset = layout.dataOffset
        byteCount = region.bytes.count
        tensors = layout.tensors.map { tensor in
            GGUFTensor(
                name: tensor.name, type: tensor.type, dimensions: tensor.dimensions,
                elementCount: tensor.elementCount, offset: tensor.offset, byteCount: tensor.byteCount,
                fileOffset: tensor.fileOffset, region: region)
        }
        tensorIndex = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    /// The model architecture, `general.architecture`, such as "llama".
    public func architecture() throws(GGUFError) -> String {
        try metadata.string("general.architecture")
    }

    /// The tensor called `name`.
    public func tensor(named name: String) throws(GGUFError) -> GGUFTensor {
        guard let index = tensorIndex[name] else { throw .missingTensor(name) }
        return tensors[index]
    }

    /// The tensor called `name`, or nil when the file has none (for optional tensors such as `output.weight`).
    public func tensorIfPresent(named name: String) -> GGUFTensor? {
        tensorIndex[name].map { tensors[$0] }
    }
}
