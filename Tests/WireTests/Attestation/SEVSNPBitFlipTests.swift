import Foundation
import TestSupport
import Testing
import Wire

/// Every single-bit change to a real report must be refused: the signed area by the signature
/// check (or an earlier structural check), the signature by the signature check.
@Suite struct SEVSNPBitFlipTests {
    /// Errors a flipped signed byte may produce: the signature check itself, or a check the
    /// verifier makes before it (an unknown version, a reserved or mismatched SIGNING_KEY, an
    /// algorithm other than 1, a CPUID naming another product). Never a policy or match error,
    /// which would mean a field was trusted before its signature was checked.
    static let acceptedBeforeSignature: Set<AttestationErrorCode> = [
        .reportSignature, .reportVersion, .unsupportedSigningKey, .signingKeyMismatch, .signatureAlgorithm,
        .wrongProduct,
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let vcek: [UInt8]
        var testDescription: String { name }
    }

    static func goSEVGuest() throws -> Case {
        Case(
            name: "go-sev-guest", bytes: try SEVSNPVectors.goSEVGuestReport().bytes,
            vcek: try SEVSNPVectors.goSEVGuestVCEK())
    }

    static func virtee() throws -> Case {
        Case(name: "virtee", bytes: try SEVSNPVectors.virteeReport().bytes, vcek: try SEVSNPVectors.virteeVCEK())
    }

    /// Verifies the report with each bit of `bits` flipped, on two workers (the test host has
    /// two cores), and returns how many flips gave each outcome ("accepted" for a success).
    static func outcomes(_ testCase: Case, bits: StrideTo<Int>) async throws -> [String: Int] {
        let verifier = SEVSNPVerifier()
        // The chain is checked once; each flip costs one parse and one ECDSA verification.
        let key = try verifier.verifyEndorsementKey(
            AMDCertificate(derEncoded: testCase.vcek), at: SEVSNPVectors.now)
        let workers = 2
        return try await withThrowingTaskGroup(of: [String: Int].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var counts = [String: Int]()
                    for (index, bit) in bits.enumerated() where index % workers == worker {
                        let flipped = SEVSNPVectors.flipping(testCase.bytes, bit: bit)
                        let outcome: String
                        do throws(AttestationError) {
                            let report = try SEVSNPReport(bytes: flipped)
                            // The strict default policy: go-sev-guest's report has DEBUG set, so a
                            // policy check that ran before the signature check would show up here.
                            _ = try verifier.verify(report, endorsedBy: key)
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
    }

    /// All 0x2A0 × 8 = 5376 flips of go-sev-guest's report: about 1 ms each in a debug build
    /// (one ECDSA P-384 verification), on two workers.
    @Test func everyFlipOfTheSignedAreaIsRefusedBeforeAnyFieldIsTrusted() async throws {
        let bits = stride(from: 0, to: SEVSNPReport.signedRange.count * 8, by: 1)
        let outcomes = try await Self.outcomes(Self.goSEVGuest(), bits: bits)
        #expect(outcomes.values.reduce(0, +) == 5376)
        let allowed = Set(Self.acceptedBeforeSignature.map(\.rawValue))
        let unexpected = outcomes.filter { !allowed.contains($0.key) }
        #expect(unexpected.isEmpty, "\(unexpected)")
        // All but 66 reach the signature check itself. VERSION 2 flipped: bit 0 gives version 3
        // (readable, so the signature fails), the other 31 an unknown version. SIGNATURE_ALGO 1:
        // all 32 flips. SIGNING_KEY 0: bit 2 says VLEK, bits 3 and 4 reserved values.
        let expected: [AttestationErrorCode: Int] = [
            .reportSignature: 5310, .reportVersion: 31, .signatureAlgorithm: 32, .signingKeyMismatch: 1,
            .unsupportedSigningKey: 2,
        ]
        #expect(outcomes == Dictionary(uniqueKeysWithValues: expected.map { ($0.key.rawValue, $0.value) }))
    }

    /// The other report, every eleventh bit (so every byte and every bit position is hit).
    @Test func sampledFlipsOfTheOtherReportAreRefused() async throws {
        let bits = stride(from: 0, to: SEVSNPReport.signedRange.count * 8, by: 11)
        let outcomes = try await Self.outcomes(Self.virtee(), bits: bits)
        let allowed = Set(Self.acceptedBeforeSignature.map(\.rawValue))
        #expect(outcomes.keys.allSatisfy { allowed.contains($0) }, "\(outcomes)")
        #expect(outcomes.values.reduce(0, +) == 489)
    }

    @Test func everyFlipOfTheSignatureIsRefused() async throws {
        // r and s: 0x2A0..<0x330, 144 bytes. Flips above bit 383 of r or s are malformed scalars,
        // the others make a different (wrong) signature; both must be reportSignature.
        let all = stride(from: 0x2A0 * 8, to: 0x330 * 8, by: 1)
        let virtee = try await Self.outcomes(Self.virtee(), bits: all)
        #expect(virtee == [AttestationErrorCode.reportSignature.rawValue: 1152], "\(virtee)")
        let sampled = stride(from: 0x2A0 * 8, to: 0x330 * 8, by: 7)
        let goSEVGuest = try await Self.outcomes(Self.goSEVGuest(), bits: sampled)
        #expect(goSEVGuest == [AttestationErrorCode.reportSignature.rawValue: 165], "\(goSEVGuest)")
    }

    @Test(arguments: [try goSEVGuest(), try virtee()])
    func flipsInTheReservedTailAreRefusedWhileParsing(_ testCase: Case) throws {
        // The unsigned bytes after the signature must be zero, so they cannot smuggle anything.
        for byte in stride(from: 0x330, to: SEVSNPReport.size, by: 37) {
            let flipped = SEVSNPVectors.flipping(testCase.bytes, bit: byte * 8)
            #expect(SEVSNPVectors.code { _ = try SEVSNPReport(bytes: flipped) } == .reportSignature)
        }
    }
}
