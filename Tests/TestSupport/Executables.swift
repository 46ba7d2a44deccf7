import Foundation

/// Runs the package's built executables, as a user would, and captures what they print.
public enum Executables {
    /// The folder holding the built products (next to the test bundle).
    public static var productsDirectory: URL {
        var url = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("sotto").path),
            url.pathComponents.count > 1
        {
            url.deleteLastPathComponent()
            if url.lastPathComponent == ".build" { break }
        }
        return url
    }

    /// What a finished process printed and how it ended.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs the product `name` and waits for it on a thread of its own, so an async test never
    /// holds one of the few cooperative threads while the child runs (the child may need this
    /// process's in-process servers, which run on those threads).
    /// - Throws: when the executable is missing (build with `swift build --build-tests`).
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String]? = nil
    ) async throws -> Result {
        try await onOwnThread { try runBlocking(name, arguments, environment: environment) }
    }

    /// Runs `body` on a new thread and resumes with its outcome.
    public static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
        }
    }

    /// Runs the product `name` with `arguments`, no standard input, and waits for it.
    /// - Throws: when the executable is missing (build with `swift build --build-tests`).
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String]? = nil
    ) throws -> Result {
        try runBlocking(name, arguments, environment: environment)
    }

    private static func runBlocking(
        _ name: String, _ arguments: [String], environment: [String: String]? = nil
    ) throws -> Result {
        let url = productsDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw FixtureError(path: url.path + " (build it first: swift build --build-tests)")
        }
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting so a full pipe cannot stall the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}
