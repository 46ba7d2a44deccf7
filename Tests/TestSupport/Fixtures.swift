import Foundation

/// Paths to the committed test fixtures under `Tests/Fixtures`, and to the package root.
public enum Fixtures {
    /// The package's root folder (found from this file's location, so any working directory works).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// The default model `scripts/fetch-model.sh` stores, or nil when it has not been fetched.
    public static let defaultModelPath: String? = {
        let path = packageRoot.appendingPathComponent(".cache/models/SmolLM2-135M-Instruct-Q4_1.gguf").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    /// `Tests/Fixtures/<relative>`.
    public static func url(_ relative: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }

    /// The contents of a fixture file.
    /// - Throws: when the file is missing, naming it.
    public static func data(_ relative: String) throws -> Data {
        let url = url(relative)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FixtureError(path: url.path)
        }
        return data
    }

    /// A fixture file as UTF-8 text.
    public static func text(_ relative: String) throws -> String {
        String(decoding: try data(relative), as: UTF8.self)
    }
}

/// A fixture that should exist does not.
public struct FixtureError: Error, CustomStringConvertible {
    public let path: String
    public init(path: String) { self.path = path }
    public var description: String { "missing test fixture \(path)" }
}
