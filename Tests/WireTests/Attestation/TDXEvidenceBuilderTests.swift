import Crypto
import DevelopmentPKI
import Foundation
import Testing
import Wire

/// Evidence made by `TDXEvidenceBuilder` passes the whole production verifier (only under its
/// own root), so each policy rule is checked end to end on signed collateral: accepted
/// statuses with their advisories, refused statuses, debug TDs and revoked certificates.
@Suite struct TDXEvidenceBuilderTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func builder() throws -> TDXEvidenceBuilder {
        try TDXEvidenceBuilder(
            keys: .random(), organization: "Sotto tests (NOT INTEL)",
            validity: Date(timeIntervalSince1970: 1_577_836_800)...Date(timeIntervalSince1970: 2_208_988_800))
    }

    static func fields(debug: Bool = false) -> TDXEvidenceBuilder.TDFields {
        TDXEvidenceBuilder.TDFields(
            mrTD: Array(repeating: 0x4D, count: 48), rtmrs: (0..<4).map { Array(repeating: UInt8($0), count: 48) },
            reportData: Array(repeating: 0xAB, count: 64), tdAttributes: debug ? 0x1000_0001 : 0x1000_0000)
    }

    static func terms(
        _ status: String = "UpToDate", advisories: [String] = [],
        edit: (inout TDXEvidenceBuilder.CollateralTerms) -> Void = { _ in }
    ) -> TDXEvidenceBuilder.CollateralTerms {
        var terms = TDXEvidenceBuilder.CollateralTerms(
            issueDate: now.addingTimeInterval(-3600), nextUpdate: now.addingTimeInterval(30 * 86_400))
        terms.tcbStatus = status
        terms.advisoryIDs = advisories
        edit(&terms)
        return terms
    }

    static func verify(
        _ builder: TDXEvidenceBuilder, fields: TDXEvidenceBuilder.TDFields = fields(),
        terms: TDXEvidenceBuilder.CollateralTerms = terms(), policy: TDXPolicy = .shipped, at now: Date = now
    ) throws -> Result<VerifiedTDXEvidence, TDXError> {
        let quote = try TDXQuote(bytes: builder.quote(fields))
        let collateral = try TDXCollateral(json: builder.collateral(terms))
        do throws(TDXError) {
            return .success(try builder.verifier.verify(quote, collateral: collateral, policy: policy, at: now))
        } catch {
            return .failure(error)
        }
    }

    static func code(_ result: Result<VerifiedTDXEvidence, TDXError>) -> TDXErrorCode? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    @Test func itsEvidenceVerifiesUnderItsRootOnly() throws {
        let builder = try Self.builder()
        let evidence = try Self.verify(builder).get()
        #expect(evidence.tcbStatus == .upToDate)
        #expect(evidence.tcbLevels.map(\.component) == ["platform", "TDX module TDX_01", "quoting enclave"])
        #expect(evidence.revocationListsChecked == ["root CA CRL", "PCK CRL"])
        #expect(evidence.quote.quote.body.mrTD == Array(repeating: 0x4D, count: 48))
        #expect(evidence.quote.quote.body.reportData == Array(repeating: 0xAB, count: 64))
        // Intel's pinned root does not trust it.
        let quote = try TDXQuote(bytes: builder.quote(Self.fields()))
        #expect(throws: TDXError.self) { try TDXVerifier().verify(quote, at: Self.now) }
        // Past the collateral's nextUpdate it is refused, at a time inside it accepted.
        #expect(
            Self.code(try Self.verify(builder, at: Self.now.addingTimeInterval(31 * 86_400))) == .revocationListExpired)
    }

    @Test func actionNeededStatusesPassOnlyWhenThePolicyListsThemWithTheirAdvisories() throws {
        let builder = try Self.builder()
        let advisories = ["INTEL-SA-00837", "INTEL-SA-00960"]
        let refused = try Self.verify(builder, terms: Self.terms("SWHardeningNeeded", advisories: advisories))
        #expect(Self.code(refused) == .tcbActionNeeded)
        let accepted = try Self.verify(
            builder, terms: Self.terms("SWHardeningNeeded", advisories: advisories),
            policy: TDXPolicy(acceptedStatuses: [.swHardeningNeeded])
        ).get()
        #expect(accepted.tcbStatus == .swHardeningNeeded)
        #expect(accepted.advisoryIDs == advisories)
        #expect(accepted.warnings.count == 1)
        #expect(accepted.warnings.first?.contains("INTEL-SA-00837, INTEL-SA-00960") == true)
        let expected: [(String, TDXErrorCode)] = [
            ("OutOfDate", .tcbOutOfDate), ("Revoked", .tcbRevoked), ("Unheard", .tcbStatusUnknown),
            ("ConfigurationNeeded", .tcbActionNeeded),
        ]
        for (status, code) in expected {
            let result = try Self.verify(
                builder, terms: Self.terms(status), policy: TDXPolicy(acceptedStatuses: [.swHardeningNeeded]))
            #expect(Self.code(result) == code, "\(status)")
        }
    }

    @Test func aDebugTDIsRefused() throws {
        let builder = try Self.builder()
        #expect(Self.code(try Self.verify(builder, fields: Self.fields(debug: true))) == .debugTD)
    }

    @Test func aRevokedPCKOrPCKCAIsRefused() throws {
        let builder = try Self.builder()
        let other = try Self.builder()
        #expect(
            Self.code(try Self.verify(builder, terms: Self.terms { $0.revokedByPCKCA = [other.pck] })) == nil)
        #expect(
            Self.code(try Self.verify(builder, terms: Self.terms { $0.revokedByPCKCA = [other.pck, builder.pck] }))
                == .pckRevoked)
        #expect(
            Self.code(try Self.verify(builder, terms: Self.terms { $0.revokedByRoot = [builder.pckCA] }))
                == .issuerRevoked)
        #expect(
            Self.code(try Self.verify(builder, terms: Self.terms { $0.revokedByRoot = [builder.tcbSigning] }))
                == .issuerRevoked)
    }
}
