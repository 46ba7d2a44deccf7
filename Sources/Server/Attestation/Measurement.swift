import DevelopmentPKI
import Foundation
import Wire

/// The 48-byte launch measurement a development server reports in MEASUREMENT, and a release
/// manifest names (docs/PROTOCOL.md §1, "Measurement in development mode"):
///
/// ```
/// SHA-384("sotto/measurement/v1" ‖ SHA-256(executable) ‖ SHA-256(model) ‖ SHA-256(configuration))
/// ```
///
/// with 32 zero bytes for the model when the server runs without one. On hardware the
/// firmware measures the guest instead; this stands in for it so a development server's
/// measurement still changes exactly when its code, its model or its configuration does.
public struct LaunchMeasurement: Sendable, Hashable, CustomStringConvertible {
    /// The domain separator that starts the hashed input.
    public static let label = "sotto/measurement/v1"
    /// The length of a measurement (SEV-SNP MEASUREMENT).
    public static let byteCount = 48

    /// The 48 bytes.
    public let bytes: [UInt8]
    /// SHA-256 of the server executable.
    public let executableSHA256: [UInt8]
    /// SHA-256 of the model file, or 32 zero bytes when there is none.
    public let modelSHA256: [UInt8]
    /// SHA-256 of the canonical effective configuration bytes.
    public let configurationSHA256: [UInt8]

    /// Lower-case hex, as a release manifest writes it.
    public var hex: String { Hex.encode(bytes) }
    /// The hex measurement.
    public var description: String { hex }

    /// The measurement of three component digests.
    /// - Throws: `MeasurementError` `.digestLength` unless each digest is 32 bytes.
    public init(
        executableSHA256: [UInt8], modelSHA256: [UInt8]?, configurationSHA256: [UInt8]
    ) throws(MeasurementError) {
        let model = modelSHA256 ?? Self.noModel
        for (name, digest) in [
            ("executable", executableSHA256), ("model", model), ("configuration", configurationSHA256),
        ]
        where digest.count != 32 {
            throw MeasurementError(.digestLength, "the \(name) digest must be 32 bytes (SHA-256), got \(digest.count)")
        }
        self.executableSHA256 = executableSHA256
        self.modelSHA256 = model
        self.configurationSHA256 = configurationSHA256
        self.bytes = AMDCertificateBuilder.sha384(
            Array(Self.label.utf8) + executableSHA256 + model + configurationSHA256)
    }

    /// Measures a server: hashes the executable and the model file (streaming, so a model of
    /// many gigabytes is never held in memory) and the configuration bytes.
    /// - Parameters:
    ///   - executable: the server's executable file (`runningExecutable` for this process).
    ///   - model: the model file, or nil when the server serves none (an upstream backend).
    ///   - configuration: the canonical bytes of the effective configuration; the caller
    ///     defines the canonical form, and the same settings must always give the same bytes.
    /// - Throws: `MeasurementError` `.unreadable` naming the file that could not be read.
    public static func measure(
        executable: URL, model: URL?, configuration: [UInt8]
    ) throws(MeasurementError)
        -> LaunchMeasurement
    {
        let executableSHA256 = try sha256(fileAt: executable, role: "server executable")
        var modelSHA256: [UInt8]?
        if let model { modelSHA256 = try sha256(fileAt: model, role: "model file") }
        return try LaunchMeasurement(
            executableSHA256: executableSHA256, modelSHA256: modelSHA256,
            configurationSHA256: HashFunction.sha256.hash(configuration))
    }

    /// The executable of this process, resolved through `/proc/self/exe` where there is one, so
    /// a symlinked or relative invocation measures the file that actually runs.
    public static var runningExecutable: URL {
        let proc = URL(fileURLWithPath: "/proc/self/exe")
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: proc.path) {
            return URL(fileURLWithPath: resolved)
        }
        return Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    }

    /// SHA-256 of a file's contents, read in 1 MiB chunks.
    /// - Parameter role: what the file is, for the error message ("model file").
    /// - Throws: `MeasurementError` `.unreadable`.
    public static func sha256(fileAt url: URL, role: String = "file") throws(MeasurementError) -> [UInt8] {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw MeasurementError(
                .unreadable, "cannot open the \(role) \(url.path) to measure it; check that it exists and is readable")
        }
        defer { try? handle.close() }
        var state = HashState(.sha256)
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { state.update($0) }
            }
        } catch {
            throw MeasurementError(.unreadable, "reading the \(role) \(url.path) failed part way; check the disk")
        }
        return state.finalize()
    }

    /// The model digest of a server that has no model file.
    static let noModel = [UInt8](repeating: 0, count: 32)
}

/// Why a measurement could not be computed.
public typealias MeasurementError = CodedError<MeasurementErrorCode>

/// Stable identifiers of `MeasurementError`.
public enum MeasurementErrorCode: String, StableErrorCode {
    /// A file to measure could not be opened or read.
    case unreadable = "SOTTO-MEASUREMENT-UNREADABLE"
    /// A component digest is not 32 bytes.
    case digestLength = "SOTTO-MEASUREMENT-DIGEST-LENGTH"
}
