import Foundation
import TestSupport
import Testing
import Wire
import X509

/// AMD's certificates: the pinned chains, the vector VCEKs and their KDS extensions, and the
/// RSASSA-PSS parameters, which are read from each certificate rather than assumed.
@Suite struct AMDCertificateTests {
    static let chainFiles: [(file: String, product: SEVSNPProduct, kind: SEVSNPEndorsementKey)] = [
        ("ask_ark_milan.pem", .milan, .vcek), ("ask_ark_milan_vlek.pem", .milan, .vlek),
        ("ask_ark_genoa.pem", .genoa, .vcek), ("ask_ark_genoa_vlek.pem", .genoa, .vlek),
        ("ask_ark_turin_vcek.pem", .turin, .vcek), ("ask_ark_turin_vlek.pem", .turin, .vlek),
    ]

    @Test func thePinnedChainsAreTheVectorFilesAndVerify() throws {
        for (file, product, kind) in Self.chainFiles {
            let pinned = AMDCertificates.pinnedChain(for: product, key: kind)
            // The compiled-in PEM text decodes to the same DER as the public files.
            #expect(pinned == (try SEVSNPVectors.amdChain(file)), "\(file)")
            #expect(pinned.root.subjectCommonName == "ARK-\(product.name)")
            #expect(pinned.root.issuerCommonName == "ARK-\(product.name)")
            let intermediate = kind == .vcek ? "SEV-\(product.name)" : "SEV-VLEK-\(product.name)"
            #expect(pinned.intermediate.subjectCommonName == intermediate)
            #expect(pinned.intermediate.issuerCommonName == "ARK-\(product.name)")
            #expect(pinned.root.isSigned(by: pinned.root), "\(file) ARK self-signature")
            #expect(pinned.intermediate.isSigned(by: pinned.root), "\(file) intermediate signed by ARK")
            #expect(!pinned.root.isSigned(by: pinned.intermediate))
            #expect(AMDCertificates.product(ofRoot: pinned.root) == product)
            #expect(AMDCertificates.product(ofRoot: pinned.intermediate) == nil)
            // The same ARK heads both chains of a product.
            #expect(pinned.root == AMDCertificates.pinnedRoot(for: product))
        }
    }

    @Test func theVectorChainFilesAreKDSChains() throws {
        // virtee's cert_chain files are AMD's VCEK chains; go-sev-guest's milanvlek.testcer is the
        // Milan VLEK chain (ASVK and ARK), not a VLEK: no public vector has a VLEK leaf.
        #expect(try SEVSNPVectors.virteeChain() == AMDCertificates.pinnedChain(for: .milan, key: .vcek))
        let turin = try AMDCertificates.Chain(pem: Fixtures.text("vectors/sev-snp/virtee/cert_chain_turin"))
        #expect(turin == AMDCertificates.pinnedChain(for: .turin, key: .vcek))
        let vlek = try AMDCertificates.Chain(pem: Fixtures.text("vectors/sev-snp/go-sev-guest/milanvlek.testcer"))
        #expect(vlek == AMDCertificates.pinnedChain(for: .milan, key: .vlek))
    }

    @Test func rootsFromDifferentProductsAreDistinct() {
        let roots = SEVSNPProduct.allCases.map { AMDCertificates.pinnedRoot(for: $0) }
        #expect(Set(roots.map(\.derRepresentation)).count == 3)
        #expect(!roots[0].isSameAuthority(as: roots[1]))
        #expect(!roots[1].isSigned(by: roots[0]))
    }

    @Test func swiftCertificatesCannotHoldAMDCertificates() throws {
        // Why AMDCertificate decodes with SwiftASN1: X509.Certificate refuses RSASSA-PSS.
        let ark = AMDCertificates.pinnedRoot(for: .milan)
        #expect(throws: (any Error).self) { try Certificate(derEncoded: ark.derRepresentation) }
        #expect(throws: (any Error).self) { try Certificate(derEncoded: SEVSNPVectors.goSEVGuestVCEK()) }
    }

    @Test func vcekExtensionsOfTheVectors() throws {
        let goSEVGuest = try AMDEndorsementExtensions(
            certificate: SEVSNPVectors.certificate("go-sev-guest/vcek.testcer"))
        #expect(goSEVGuest.productName == "Milan-B0")
        #expect(goSEVGuest.kind == .vcek)
        #expect([goSEVGuest.bootloader, goSEVGuest.tee, goSEVGuest.snp, goSEVGuest.microcode] == [2, 0, 5, 0x44])
        #expect(goSEVGuest.fmc == nil && goSEVGuest.cspID == nil)
        #expect(goSEVGuest.hardwareID == (try SEVSNPVectors.goSEVGuestReport().chipID))

        let virtee = try AMDEndorsementExtensions(certificate: SEVSNPVectors.certificate("virtee/vcek_milan.der"))
        #expect([virtee.bootloader, virtee.tee, virtee.snp, virtee.microcode] == [3, 0, 8, 115])
        #expect(virtee.hardwareID == (try SEVSNPVectors.virteeReport().chipID))

        let turin = try AMDEndorsementExtensions(certificate: SEVSNPVectors.certificate("virtee/vcek_turin.der"))
        #expect(turin.productName == "Turin")
        #expect(turin.fmc == 0)
        #expect([turin.bootloader, turin.tee, turin.snp, turin.microcode] == [0, 0, 0, 9])
        #expect(turin.hardwareID.map(Hex.encode) == "1e550a8ee5cf9f4d")
    }

    @Test func vceksHaveZeroSerialNumbersAndDecodeAnyway() throws {
        for path in ["go-sev-guest/vcek.testcer", "virtee/vcek_milan.der", "virtee/vcek_turin.der"] {
            let vcek = try SEVSNPVectors.certificate(path)
            #expect(vcek.serialNumber == [0], "\(path)")
            #expect(vcek.subjectCommonName == "SEV-VCEK")
        }
        #expect(AMDCertificates.pinnedChain(for: .milan, key: .vcek).intermediate.serialNumber == [0x01, 0x00, 0x01])
    }

    @Test func theTurinVCEKChainsToThePinnedTurinRoot() throws {
        let key = try SEVSNPVerifier().verifyEndorsementKey(
            SEVSNPVectors.certificate("virtee/vcek_turin.der"), at: SEVSNPVectors.now)
        #expect(key.product == .turin && key.kind == .vcek)
        let validity = (key.certificate.notValidBefore, key.certificate.notValidAfter)
        #expect(validity.0 == Date(timeIntervalSince1970: 1_730_927_640))  // 2024-11-06T21:14:00Z
        #expect(validity.1 == Date(timeIntervalSince1970: 1_951_766_040))  // 2031-11-06T21:14:00Z
    }

    /// Replaces every occurrence of `pattern` in `bytes`, up to `limit` of them.
    static func replacing(
        _ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8], limit: Int = .max
    )
        -> [UInt8]
    {
        var out = bytes
        var index = 0
        var count = 0
        while index + pattern.count <= out.count, count < limit {
            if Array(out[index..<(index + pattern.count)]) == pattern {
                out.replaceSubrange(index..<(index + pattern.count), with: replacement)
                count += 1
                index += replacement.count
            } else {
                index += 1
            }
        }
        return out
    }

    static let salt48: [UInt8] = [0xA2, 0x03, 0x02, 0x01, 0x30]
    static let sha384: [UInt8] = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]

    @Test func thePSSParametersAreCheckedNotAssumed() throws {
        let vcek = try SEVSNPVectors.goSEVGuestVCEK()
        let cases: [(String, [UInt8])] = [
            // Both AlgorithmIdentifiers (TBS and outer) edited alike, so only the parameters differ.
            ("salt 32", Self.replacing(Self.salt48, with: [0xA2, 0x03, 0x02, 0x01, 0x20], in: vcek)),
            ("SHA-256", Self.replacing(Self.sha384, with: Self.sha384.dropLast() + [0x01], in: vcek)),
            (
                "trailer 2",
                Self.replacing([0xA3, 0x03, 0x02, 0x01, 0x01], with: [0xA3, 0x03, 0x02, 0x01, 0x02], in: vcek)
            ),
            (
                "sha384WithRSAEncryption",
                Self.replacing(
                    [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A],
                    with: [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C], in: vcek)
            ),
        ]
        for (name, edited) in cases {
            #expect(edited != vcek, "\(name): pattern not found")
            let error = try #require(throws: AttestationError.self, "\(name)") {
                try AMDCertificate(derEncoded: edited)
            }
            #expect(error.code == .certificateAlgorithm, "\(name): \(error)")
        }
        // Editing only the TBS copy makes the two fields disagree.
        let inner = Self.replacing(Self.salt48, with: [0xA2, 0x03, 0x02, 0x01, 0x20], in: vcek, limit: 1)
        #expect(SEVSNPVectors.code { _ = try AMDCertificate(derEncoded: inner) } == .certificateParse)
    }

    @Test func malformedCertificatesAreRefused() throws {
        let vcek = try SEVSNPVectors.goSEVGuestVCEK()
        for bad in [[], Array(vcek.prefix(100)), Array(vcek.dropLast()), vcek + [0], Array("hello".utf8)] {
            #expect(SEVSNPVectors.code { _ = try AMDCertificate(derOrPEM: bad) } == .certificateParse)
        }
        let chainText = try Fixtures.text("vectors/sev-snp/amd-ca/ask_ark_milan.pem")
        let twoInOne = try #require(throws: AttestationError.self) {
            try AMDCertificate(derOrPEM: Array(chainText.utf8))
        }
        #expect(twoInOne.code == .certificateParse && twoInOne.message.contains("2 certificates"))
        #expect(
            SEVSNPVectors.code { _ = try AMDCertificates.Chain(pem: PEMText.certificate(vcek)) } == .certificateParse)
        let notACertificate = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        #expect(SEVSNPVectors.code { _ = try AMDCertificates.Chain(pem: notACertificate) } == .certificateParse)
    }

    @Test func aCertificateWithoutKDSExtensionsIsNoEndorsementKey() throws {
        let ask = AMDCertificates.pinnedChain(for: .milan, key: .vcek).intermediate
        let error = try #require(throws: AttestationError.self) { try AMDEndorsementExtensions(certificate: ask) }
        #expect(error.code == .certificateParse)
        #expect(error.message.contains("product name"))
        // Given as the VCEK, the ASK is refused the same way.
        let report = try SEVSNPVectors.virteeReport()
        #expect(
            SEVSNPVectors.code {
                _ = try SEVSNPVerifier().verify(
                    report: report, endorsementKey: ask.derRepresentation, at: SEVSNPVectors.now)
            } == .certificateParse)
    }
}
