import Crypto
import Foundation
import Testing
import Wire

/// The client's shipped policy on signed reports: Milan refused for its published break (and
/// accepted with a warning only when allowed), and a minimum TCB per product on every
/// component of the reported, committed and current TCB.
@Suite struct SEVSNPShippedPolicyTests {
    let key = P384.Signing.PrivateKey()
    let chipID = (0..<64).map { UInt8($0 + 1) }
    let turinID: [UInt8] = [0x1E, 0x55, 0x0A, 0x8E, 0xE5, 0xCF, 0x9F, 0x4D]

    static func tcb(_ product: SEVSNPProduct, _ floor: SEVSNPReport.MinimumTCB) -> SEVSNPReport.TCBVersion {
        SEVSNPReport.TCBVersion(
            layout: product.tcbLayout, fmc: floor.fmc, bootloader: floor.bootloader, tee: floor.tee, snp: floor.snp,
            microcode: floor.microcode)
    }

    /// A report of `product` whose VCEK is issued for `reported`, signed; `edit` runs before signing.
    func verify(
        _ product: SEVSNPProduct, reported: SEVSNPReport.TCBVersion, policy: SEVSNPPolicy = .shipped,
        edit: (inout ReportBuilder) -> Void = { _ in }
    ) throws -> VerifiedSEVSNPReport {
        let pki = product == .milan ? SyntheticAMD.milan : product == .genoa ? SyntheticAMD.genoa : SyntheticAMD.turin
        let id = product == .turin ? turinID : chipID
        let vcek = try pki.vcek(key, tcb: reported, hardwareID: id, productName: product == .turin ? "Turin" : nil)
        var builder = try ReportBuilder()
        if product == .turin {
            builder.set32(0, 3)
            builder.set(0x188, [0x1A, 0x02, 0x00])
        }
        builder.setTCB(reported)
        builder.setChipID(id)
        edit(&builder)
        return try pki.verifier.verify(
            report: try builder.signed(with: key), endorsementKey: vcek, chain: pki.vcekChain, at: SEVSNPVectors.now,
            policy: policy)
    }

    func code(_ body: () throws -> Void) -> AttestationError? {
        do {
            try body()
            return nil
        } catch let error as AttestationError {
            return error
        } catch {
            return nil
        }
    }

    @Test func theShippedFloorsAreAMDsEntrySignMinimums() {
        #expect(SEVSNPShippedMinimums.tcb[.milan]?.microcode == 0xDB)  // patch 0x0A0011DB
        #expect(SEVSNPShippedMinimums.tcb[.genoa]?.microcode == 0x54)  // patch 0x0A101154
        #expect(SEVSNPShippedMinimums.tcb[.turin]?.fmc ?? 0 > 0)
        #expect(SEVSNPPolicy.shipped.minimumTCB == SEVSNPShippedMinimums.tcb)
        #expect(SEVSNPPolicy.shipped.allowedProducts == [.genoa, .turin])
    }

    @Test(arguments: [SEVSNPProduct.genoa, .turin])
    func aPlatformAtTheFloorPasses(_ product: SEVSNPProduct) throws {
        let floor = try #require(SEVSNPShippedMinimums.tcb[product])
        let verified = try verify(product, reported: Self.tcb(product, floor))
        #expect(verified.product == product)
        #expect(verified.warnings.isEmpty)
    }

    /// Each component one below the floor, in the VCEK and the report alike (so the TCB match
    /// passes and only the policy can refuse it): Genoa's four, Turin's five with FMC.
    @Test(arguments: [
        (SEVSNPProduct.genoa, "bootloader"), (.genoa, "snp"), (.genoa, "microcode"),
        (.turin, "fmc"), (.turin, "bootloader"), (.turin, "snp"), (.turin, "microcode"),
    ])
    func eachComponentBelowTheShippedFloorIsRefused(_ product: SEVSNPProduct, _ component: String) throws {
        let floor = try #require(SEVSNPShippedMinimums.tcb[product])
        var low = floor
        switch component {
        case "fmc": low.fmc -= 1
        case "bootloader": low.bootloader -= 1
        case "snp": low.snp -= 1
        default: low.microcode -= 1
        }
        let error = code { _ = try verify(product, reported: Self.tcb(product, low)) }
        #expect(error?.code == .tcbTooLow)
        #expect(
            error?.message.contains("reported TCB has \(component) security patch level") == true,
            "\(String(describing: error))")
        // The TEE floor is 0 today, so nothing is below it; a raised one is enforced the same way.
        var teeFloor = floor
        teeFloor.tee = 1
        let tee = code {
            _ = try verify(
                product, reported: Self.tcb(product, floor), policy: SEVSNPPolicy(minimumTCB: [product: teeFloor]))
        }
        #expect(tee?.code == .tcbTooLow)
        #expect(tee?.message.contains("reported TCB has tee security patch level 0, below the required 1") == true)
    }

    @Test func theCommittedAndCurrentTCBAreHeldToTheFloorToo() throws {
        let floor = try #require(SEVSNPShippedMinimums.tcb[.genoa])
        let good = Self.tcb(.genoa, floor)
        var older = floor
        older.snp -= 1
        let old = Self.tcb(.genoa, older)
        for (offset, which) in [(0x1E0, "committed"), (0x38, "current")] {
            let error = code { _ = try verify(.genoa, reported: good) { $0.set64(offset, old.rawValue) } }
            #expect(error?.code == .tcbTooLow)
            #expect(error?.message.contains("\(which) TCB has snp security patch level \(older.snp)") == true)
        }
        // The launch TCB is history, not a floor: an older one is fine.
        #expect(try verify(.genoa, reported: good) { $0.set64(0x1F0, old.rawValue) }.product == .genoa)
    }

    @Test func milanIsRefusedByDefaultAndAcceptedWithAWarningWhenAllowed() throws {
        let floor = try #require(SEVSNPShippedMinimums.tcb[.milan])
        let tcb = Self.tcb(.milan, floor)
        let refused = code { _ = try verify(.milan, reported: tcb) }
        #expect(refused?.code == .productRefused)
        #expect(refused?.message.contains("VCEK seed can be extracted") == true)
        var allowing = SEVSNPPolicy.shipped
        allowing.allowedProducts.insert(.milan)
        let verified = try verify(.milan, reported: tcb, policy: allowing)
        #expect(verified.product == .milan)
        #expect(verified.warnings.count == 1)
        #expect(verified.warnings.first?.contains("allows it") == true)
        // Allowed Milan still has its floor.
        var low = floor
        low.microcode = 0xD5  // 0x0A0011D5: the last Milan microcode without the EntrySign fix
        #expect(code { _ = try verify(.milan, reported: Self.tcb(.milan, low), policy: allowing) }?.code == .tcbTooLow)
    }

    @Test func aProductCanBeLeftOutOfThePolicy() throws {
        let floor = try #require(SEVSNPShippedMinimums.tcb[.genoa])
        let onlyTurin = SEVSNPPolicy(minimumTCB: SEVSNPShippedMinimums.tcb, allowedProducts: [.turin])
        let error = code { _ = try verify(.genoa, reported: Self.tcb(.genoa, floor), policy: onlyTurin) }
        #expect(error?.code == .productRefused)
    }
}
