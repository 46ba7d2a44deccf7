import Foundation
import Wire

/// Hands clients Intel's collateral for a TDX guest's quote: the JSON object dcap-qvl reads
/// (TCB info, QE identity, revocation lists), from a file the operator keeps current
/// (`serve --tdx-collateral FILE`, read again for every answer, so replacing it takes effect
/// without a restart) or from a PCCS (`serve --tdx-collateral-from-pccs URL`, cached). Collateral
/// that cannot be had fails the answer rather than serving a quote the client cannot judge.
public struct TDXCollateralAttachingProvider: AttestationProvider {
    let base: any AttestationProvider
    let source: TDXCollateralSource

    /// Wraps a TDX provider.
    /// - Throws: `AttestationProviderError` `.unavailable` when `base` is not TDX.
    public init(_ base: any AttestationProvider, source: TDXCollateralSource) throws {
        guard base.platform == .tdx else {
            throw AttestationProviderError(
                .unavailable, "Intel's collateral is for a TDX guest; this TEE is \(base.platform.rawValue)")
        }
        self.base = base
        self.source = source
    }

    /// Wraps a TDX provider with collateral from `collateralFile`, which must read as collateral now.
    /// - Throws: `AttestationProviderError` `.unavailable` when `base` is not TDX or the file
    ///   cannot be read, `.malformed` when it is not collateral.
    public init(_ base: any AttestationProvider, collateralFile: URL) throws {
        try self.init(base, source: TDXCollateralSource(.file(collateralFile)))
        guard let data = FileManager.default.contents(atPath: collateralFile.path) else {
            throw AttestationProviderError(
                .unavailable, "cannot read the TDX collateral file \(collateralFile.path); check that it exists")
        }
        do {
            _ = try TDXCollateral(json: Array(data))
        } catch {
            throw AttestationProviderError(
                .malformed,
                "\(collateralFile.path) is not TDX collateral as dcap-qvl writes it (\(error.code.rawValue))")
        }
    }

    public var platform: AttestationPlatform { base.platform }
    public var isSimulated: Bool { base.isSimulated }

    /// The base provider's evidence with the collateral for its quote's platform attached.
    public func evidence(reportData: [UInt8]) async throws -> AttestationEvidence {
        var evidence = try await base.evidence(reportData: reportData)
        evidence.collateral = Base64Bytes(try await source.current(for: evidence.report.bytes))
        return evidence
    }
}
