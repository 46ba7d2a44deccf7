import Foundation
import Wire

/// Hands clients Intel's collateral for a TDX guest's quote: the JSON object dcap-qvl reads
/// (TCB info, QE identity, revocation lists), from a file the operator keeps current for the
/// platform's FMSPC (`serve --tdx-collateral FILE`). The file is read again for every answer, so
/// replacing it takes effect without a restart; a file that is missing or not collateral fails
/// the answer rather than serving a quote the client cannot judge.
public struct TDXCollateralAttachingProvider: AttestationProvider {
    let base: any AttestationProvider
    let file: URL

    /// Wraps a TDX provider.
    /// - Throws: `AttestationProviderError` `.unavailable` when `base` is not TDX, `.malformed`
    ///   when the file cannot be read as collateral.
    public init(_ base: any AttestationProvider, collateralFile: URL) throws {
        guard base.platform == .tdx else {
            throw AttestationProviderError(
                .unavailable, "Intel's collateral is for a TDX guest; this TEE is \(base.platform.rawValue)")
        }
        self.base = base
        self.file = collateralFile
        _ = try read()
    }

    public var platform: AttestationPlatform { base.platform }
    public var isSimulated: Bool { base.isSimulated }

    /// The base provider's evidence with the collateral attached.
    public func evidence(reportData: [UInt8]) async throws -> AttestationEvidence {
        var evidence = try await base.evidence(reportData: reportData)
        evidence.collateral = Base64Bytes(try read())
        return evidence
    }

    /// The file's bytes, once they read as collateral.
    func read() throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw AttestationProviderError(
                .malformed, "cannot read the TDX collateral file \(file.path); check that it exists and is readable")
        }
        do {
            _ = try TDXCollateral(json: Array(data))
        } catch {
            throw AttestationProviderError(
                .malformed, "\(file.path) is not TDX collateral as dcap-qvl writes it (\(error.code.rawValue))")
        }
        return Array(data)
    }
}
