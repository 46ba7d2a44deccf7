import Foundation
import TestSupport
import Testing
import Wire

/// A change to any byte of the real sample's signed collateral (TCB info and QE identity as
/// Intel signed them, their signatures, the revocation lists) is refused, each by the check that
/// covers it or by the parser before it, never accepted. Byte `i` has bit `i % 7` flipped (the
/// text stays ASCII, so it can still be written as JSON); in hexadecimal fields bit `i % 5`, since
/// bit 5 only changes a letter's case, which is the same number.
@Suite struct TDXCollateralBitFlipTests {
    struct Area: Sendable, CustomTestStringConvertible {
        let field: String
        /// Every `stride`-th byte is changed (1: all of them).
        let stride: Int
        /// Hexadecimal text, whose letters' case does not count.
        var hex = true
        let allowed: Set<TDXErrorCode>
        var testDescription: String { field }
    }

    static let areas = [
        Area(field: "tcb_info", stride: 1, hex: false, allowed: [.tcbInfoSignature, .collateralParse]),
        Area(field: "qe_identity", stride: 1, hex: false, allowed: [.qeIdentitySignature, .collateralParse]),
        Area(field: "tcb_info_signature", stride: 1, allowed: [.tcbInfoSignature, .collateralParse]),
        Area(field: "qe_identity_signature", stride: 1, allowed: [.qeIdentitySignature, .collateralParse]),
        Area(field: "root_ca_crl", stride: 1, allowed: [.revocationListSignature, .revocationListParse]),
        Area(field: "pck_crl", stride: 13, allowed: [.revocationListSignature, .revocationListParse]),
    ]

    @Test(arguments: areas)
    func everyChangeIsRefused(_ area: Area) async throws {
        let sample = TDXVectors.v4
        let text = try Fixtures.text("vectors/tdx/\(sample.path)_collateral.json")
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        let original = Array(try #require(object[area.field]).utf8)
        let verifier = TDXVerifier()
        let quote = try verifier.verify(sample.quote(), at: sample.now)
        let workers = 2
        let outcomes = try await withThrowingTaskGroup(of: [String: Int].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var counts = [String: Int]()
                    for index in Swift.stride(from: worker * area.stride, to: original.count, by: workers * area.stride)
                    {
                        var changed = original
                        changed[index] ^= 1 << UInt8(index % (area.hex ? 5 : 7))
                        var edited = object
                        edited[area.field] = String(decoding: changed, as: UTF8.self)
                        let json = Array(try JSONSerialization.data(withJSONObject: edited))
                        let outcome: String
                        do throws(TDXError) {
                            _ = try verifier.judge(quote, collateral: TDXCollateral(json: json), at: sample.now)
                            outcome = "accepted byte \(index)"
                        } catch {
                            outcome = error.code.rawValue
                        }
                        counts[outcome, default: 0] += 1
                    }
                    return counts
                }
            }
            var total = [String: Int]()
            for try await counts in group { total.merge(counts, uniquingKeysWith: +) }
            return total
        }
        #expect(outcomes.values.reduce(0, +) == (original.count + area.stride - 1) / area.stride)
        let allowed = Set(area.allowed.map(\.rawValue))
        let unexpected = outcomes.filter { !allowed.contains($0.key) }
        #expect(unexpected.isEmpty, "\(unexpected)")
    }
}
