import Foundation
import TestSupport
import Testing
import Wire

/// Every single-bit change to a real quote's signed areas and signatures must be refused, each by
/// the check that covers it (or a structural check before it), never accepted.
@Suite struct TDXBitFlipTests {
    struct Area: Sendable, CustomTestStringConvertible {
        let sample: TDXVectors.Sample
        let name: String
        let range: @Sendable (TDXVectors.Sample.Layout) -> Range<Int>
        /// The codes a flip in this area may give.
        let allowed: Set<TDXErrorCode>
        var testDescription: String { "\(sample.name) \(name)" }
    }

    /// The header and body: a flip is caught by the quote's signature, or before it by the check
    /// of the header field or body descriptor it lands in; a version flipped from 5 to 4 moves
    /// every later field, so any of the parser's codes may name what then no longer fits.
    static let signedCodes: Set<TDXErrorCode> = [
        .quoteSignature, .version, .attestationKeyType, .teeType, .qeVendor, .body, .signatureData,
        .certificationData, .qeReport, .qeAuthData, .pckChainData,
    ]

    static let areas: [Area] = TDXVectors.all.flatMap { sample in
        [
            Area(sample: sample, name: "header and body", range: { 0..<$0.signedEnd }, allowed: signedCodes),
            Area(
                sample: sample, name: "quote signature", range: { $0.signatureData..<($0.signatureData + 64) },
                allowed: [.quoteSignature]),
            // The attestation key is bound by the QE report, which is checked first.
            Area(
                sample: sample, name: "attestation key",
                range: { ($0.signatureData + 64)..<($0.signatureData + 128) }, allowed: [.qeReportData]),
            Area(
                sample: sample, name: "QE report", range: { $0.qeReport..<$0.qeReportSignature },
                allowed: [.qeReportSignature]),
            Area(
                sample: sample, name: "QE report signature", range: { $0.qeReportSignature..<$0.qeAuthSize },
                allowed: [.qeReportSignature]),
            Area(
                sample: sample, name: "QE auth data",
                range: { ($0.qeAuthSize + 2)..<($0.qeAuthSize + 2 + $0.authSize) },
                allowed: [.qeReportData]),
        ]
    }

    @Test(arguments: areas)
    func everyFlipIsRefused(_ area: Area) async throws {
        let bytes = try area.sample.bytes()
        let layout = try area.sample.layout()
        let range = area.range(layout)
        let verifier = TDXVerifier()
        // The chain is checked once (flips never touch it); each flip costs a parse and up to two
        // ECDSA P-256 verifications.
        let chain = try verifier.verifyPCKChain(of: area.sample.quote(), at: area.sample.now)
        let workers = 2
        let outcomes = try await withThrowingTaskGroup(of: [String: Int].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var counts = [String: Int]()
                    for bit in stride(from: range.lowerBound * 8 + worker, to: range.upperBound * 8, by: workers) {
                        var flipped = bytes
                        flipped[bit / 8] ^= 1 << UInt8(bit % 8)
                        let outcome: String
                        do throws(TDXError) {
                            _ = try verifier.verify(TDXQuote(bytes: flipped), pckChain: chain)
                            outcome = "accepted bit \(bit)"
                        } catch {
                            outcome = error.code.rawValue
                        }
                        counts[outcome, default: 0] += 1
                    }
                    return counts
                }
            }
            var total = [String: Int]()
            for try await counts in group {
                total.merge(counts, uniquingKeysWith: +)
            }
            return total
        }
        #expect(outcomes.values.reduce(0, +) == range.count * 8)
        let allowed = Set(area.allowed.map(\.rawValue))
        let unexpected = outcomes.filter { !allowed.contains($0.key) }
        #expect(unexpected.isEmpty, "\(unexpected)")
    }
}
