import Crypto
import Foundation
import Testing
import Wire

/// AMD's CRL for the ASK/VCEK chain: signed by the ARK, current, and refusing what it names.
@Suite struct AMDRevocationListTests {
    let pki = SyntheticAMD.genoa
    let key = P384.Signing.PrivateKey()
    let chipID = (0..<64).map { UInt8($0 + 1) }

    func vcek() throws -> AMDCertificate {
        let floor = SEVSNPShippedMinimums.tcb[.genoa]!
        let tcb = SEVSNPReport.TCBVersion(
            layout: .milanGenoa, bootloader: floor.bootloader, tee: floor.tee, snp: floor.snp,
            microcode: floor.microcode)
        return try AMDCertificate(derEncoded: try pki.vcek(key, tcb: tcb, hardwareID: chipID))
    }

    func check(_ list: [UInt8], at now: Date = SEVSNPVectors.now) throws -> VerifiedEndorsementKey {
        try pki.verifier.verifyEndorsementKey(
            try vcek(), chain: pki.vcekChain, at: now, revocations: try AMDRevocationList(derOrPEM: list))
    }

    func code(_ body: () throws -> Void) -> AttestationErrorCode? {
        do {
            try body()
            return nil
        } catch let error as AttestationError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test func aListThatNamesNothingOfTheChainPasses() throws {
        let list = try pki.revocationList(revoking: [[0x7F, 0x01], [0x42]])
        let parsed = try AMDRevocationList(derOrPEM: list)
        #expect(parsed.revokedSerials == [[0x7F, 0x01], [0x42]])
        #expect(try check(list).product == .genoa)
        // An empty list (no revokedCertificates field at all) is well-formed too.
        #expect(try check(try pki.revocationList(revoking: [])).kind == .vcek)
    }

    @Test func aRevokedVCEKOrASKIsRefused() throws {
        // VCEKs carry serial 0; the ASK's is the one SyntheticAMD gave it.
        #expect(code { _ = try check(try pki.revocationList(revoking: [[0]])) } == .revoked)
        #expect(code { _ = try check(try pki.revocationList(revoking: [pki.ask.serialNumber])) } == .revoked)
    }

    @Test func aListWhoseSignatureDoesNotVerifyUnderTheARKIsRefused() throws {
        var list = try pki.revocationList(revoking: [])
        list[list.count - 1] ^= 0x01  // the last byte of the signature
        #expect(code { _ = try check(list) } == .revocationListSignature)
        // Another product's ARK issued it: refused even though it is genuine.
        let turinList = try SyntheticAMD.turin.revocationList(revoking: [])
        #expect(code { _ = try check(turinList) } == .revocationListSignature)
    }

    @Test func aStaleOrMalformedListIsRefused() throws {
        let stale = try pki.revocationList(
            revoking: [], thisUpdate: SyntheticAMD.notValidBefore, nextUpdate: SEVSNPVectors.now.addingTimeInterval(-1))
        #expect(code { _ = try check(stale) } == .revocationListExpired)
        #expect(code { _ = try AMDRevocationList(derOrPEM: [0x30, 0x03, 0x02, 0x01, 0x01]) } == .revocationListParse)
        #expect(code { _ = try AMDRevocationList(derOrPEM: try vcek().derRepresentation) } == .revocationListParse)
    }
}
