import Foundation
import Inference
import Testing

/// Opening files from disk through mmap, in a temporary folder of each test's own.
@Suite struct GGUFMappingTests {
    final class TemporaryFolder {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-gguf-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let file = path + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            return file
        }
    }

    @Test func opensAFileFromDisk() throws {
        let folder = try TemporaryFolder()
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("llama"))
        builder.add("llama.block_count", .uint32(2))
        var data = halfBytes(0.5)
        for j in 0..<32 { data.append(UInt8(bitPattern: Int8(j - 16))) }
        builder.addTensor("token_embd.weight", .q8_0, dimensions: [32], data: data)
        builder.addTensor(
            "output_norm.weight", .f32, dimensions: [2],
            data: littleEndianBytes(Float(2).bitPattern) + littleEndianBytes(Float(-1).bitPattern))
        let bytes = builder.build()
        let path = try folder.write("model.gguf", bytes)

        let file = try GGUFFile(path: path)
        #expect(file.byteCount == bytes.count)
        #expect(try file.architecture() == "llama")
        #expect(try file.metadata.integer("llama.block_count") == 2)
        let embedding = try file.tensor(named: "token_embd.weight")
        #expect(Array(embedding.data) == data)
        #expect(Int(bitPattern: embedding.data.baseAddress) % file.alignment == 0)
        #expect(try embedding.dequantizeRow(0) == (0..<32).map { Float($0 - 16) * 0.5 })
        #expect(try file.tensor(named: "output_norm.weight").dequantized() == [2, -1])
    }

    @Test func tensorsKeepTheMappingAlive() throws {
        let folder = try TemporaryFolder()
        var builder = GGUFBuilder()
        builder.addTensor("w", .f32, dimensions: [4], data: (1...4).flatMap { littleEndianBytes(Float($0).bitPattern) })
        let path = try folder.write("model.gguf", builder.build())

        var tensor: GGUFTensor?
        do {
            let file = try GGUFFile(path: path)
            tensor = file.tensors.first
        }
        #expect(try tensor?.dequantized() == [1, 2, 3, 4])
    }

    @Test func aDirectoryIsNotAModel() throws {
        let folder = try TemporaryFolder()
        let error = #expect(throws: GGUFError.self) { try GGUFFile(path: folder.path) }
        #expect(error == .notARegularFile(path: folder.path))
        #expect(error?.code == .notAFile)
        #expect(error?.description.contains(folder.path) == true)
    }

    @Test func aMissingFileSaysSo() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/absent.gguf"
        let error = #expect(throws: GGUFError.self) { try GGUFFile(path: path) }
        #expect(error?.code == .open)
        #expect(error?.description.contains("absent.gguf") == true)
        #expect(error?.description.contains("No such file or directory") == true)
    }

    @Test func anEmptyFileIsTruncated() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("empty.gguf", [])
        let error = #expect(throws: GGUFError.self) { try GGUFFile(path: path) }
        #expect(error?.code == .truncated)
    }

    @Test func aCorruptFileOnDiskIsRefused() throws {
        let folder = try TemporaryFolder()
        var builder = GGUFBuilder()
        builder.version = 1
        let path = try folder.write("old.gguf", builder.build())
        let error = #expect(throws: GGUFError.self) { try GGUFFile(path: path) }
        #expect(error == .unsupportedVersion(1))
    }

    // MARK: A real model, when one has been downloaded

    static let modelPath: String? = {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".cache/models").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".gguf") }.sorted().first.map { folder + "/" + $0 }
    }()

    @Test(.enabled(if: modelPath != nil, "no model in .cache/models"))
    func loadsTheDownloadedModel() throws {
        let file = try GGUFFile(path: try #require(Self.modelPath))
        #expect(try file.architecture() == "llama")
        let blocks = try file.metadata.integer("llama.block_count")
        let width = try file.metadata.integer("llama.embedding_length")
        // Per block: attention norm, q, k, v, output, ffn norm, gate, up, down. Then the embedding, the final norm
        // and, unless tied to the embedding, the output projection.
        let expected = 9 * blocks + 2 + (file.tensorIfPresent(named: "output.weight") == nil ? 0 : 1)
        #expect(file.tensors.count == expected)
        let embedding = try file.tensor(named: "token_embd.weight")
        #expect(embedding.rowLength == width)
        #expect(embedding.rowCount == (try file.metadata.stringArray("tokenizer.ggml.tokens")).count)
        for tensor in file.tensors {
            #expect(try tensor.dequantizeRow(tensor.rowCount - 1).allSatisfy(\.isFinite), "\(tensor.name)")
        }
    }
}
