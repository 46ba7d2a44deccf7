import Foundation
import TestSupport
import Testing
import Wire

/// `SNPLaunchDigest` against the reference tool: every case sev-snp-measure 0.0.13 computed for
/// the synthetic firmware images of `scripts/reference/make-snp-measure-fixtures.py` (three
/// images, 1-16 vCPUs, five CPU models, with and without a direct-boot kernel, initrd and
/// command line, two feature sets), and the cases it refused, refused here too. Then damaged
/// images, each refused with a clear error rather than read out of bounds.
@Suite struct SNPLaunchDigestTests {
    struct Case: Decodable {
        let ovmf: String
        let vcpus: Int
        let vcpu_type: String
        let guest_features: String
        let kernel: String?
        let initrd: String?
        let append: String?
        let measurement: String?
        let refused: String?
    }

    struct Expected: Decodable { let cases: [Case] }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Fixtures.data("vectors/snp-measure/" + name)) }

    @Test func everyReferenceCaseGivesTheSameDigestOrTheSameRefusal() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Fixtures.data("vectors/snp-measure/expected.json"))
        #expect(expected.cases.count == 360)
        var images: [String: OVMFImage] = [:]
        var (matched, refused) = (0, 0)
        for test in expected.cases {
            let image = try images[test.ovmf] ?? OVMFImage(bytes: Self.bytes(test.ovmf))
            images[test.ovmf] = image
            let boot = try test.kernel.map {
                SNPLaunchDigest.DirectBoot(
                    kernel: try Self.bytes($0), initrd: try test.initrd.map(Self.bytes) ?? [],
                    commandLine: test.append ?? "")
            }
            let signature = try #require(SNPLaunchDigest.vcpuSignatures.first { $0.name == test.vcpu_type }).signature
            let features = try #require(UInt64(test.guest_features.dropFirst(2), radix: 16))
            do {
                let digest = try SNPLaunchDigest.launch(
                    ovmf: image, vcpus: test.vcpus, vcpuSignature: signature, guestFeatures: features,
                    directBoot: boot)
                #expect(Hex.encode(digest.bytes) == test.measurement, "\(test)")
                if Hex.encode(digest.bytes) == test.measurement { matched += 1 }
            } catch {
                #expect(test.refused != nil && error.code == .measurementInput, "\(test): \(error)")
                if test.refused != nil { refused += 1 }
            }
        }
        #expect(matched == 280 && refused == 80)
    }

    @Test func theCPUSignaturesAreCPUIDs() {
        // Family 25 (Zen 3/4) is 0xF plus an extended family of 0xA.
        #expect(SNPLaunchDigest.signature(family: 25, model: 17, stepping: 0) == 0x00A1_0F10)
        #expect(SNPLaunchDigest.signature(family: 23, model: 1, stepping: 2) == 0x0080_0F12)
        #expect(SNPLaunchDigest.signature(family: 6, model: 0x55, stepping: 4) == 0x0005_0654)
    }

    static func code(_ bytes: [UInt8]) -> AttestationErrorCode? {
        do {
            _ = try OVMFImage(bytes: bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func damagedImagesAreRefused() throws {
        let good = try Self.bytes("ovmf-kernel-hashes.bin")
        #expect(Self.code(good) == nil)
        // Not whole pages, and empty.
        #expect(Self.code(Array(good.dropLast())) == .firmwareImage)
        #expect(Self.code([]) == .firmwareImage)
        // The footer entry's size claims more than the image holds.
        let footer = good.count - 32 - 18
        var huge = good
        huge[footer] = 0xFF
        huge[footer + 1] = 0xFF
        #expect(Self.code(huge) == .firmwareImage)
        // An entry inside the table whose size is below its own header.
        var tiny = good
        tiny[footer - 18] = 3
        tiny[footer - 17] = 0
        #expect(Self.code(tiny) == .firmwareImage)
        // The SEV metadata: signature, version, a count past its length, an unknown section kind.
        let metadata = good.count - 0x2000
        for (offset, value) in [
            (metadata, UInt8(ascii: "B")), (metadata + 8, 2), (metadata + 12, 200), (metadata + 24, 9),
        ] {
            var damaged = good
            damaged[offset] = value
            #expect(Self.code(damaged) == .firmwareImage, "byte \(offset - metadata) of the metadata")
        }
        // Without the footer GUID there is no table: no metadata, nothing to refuse, and the
        // launch has no reset block for the other vCPUs.
        var plain = good
        plain[footer + 2] ^= 0xFF
        let image = try OVMFImage(bytes: plain)
        #expect(image.metadataSections.isEmpty && image.resetEIP == nil)
        #expect(throws: AttestationError.self) {
            try SNPLaunchDigest.launch(ovmf: image, vcpus: 2, vcpuSignature: 0)
        }
        #expect(throws: AttestationError.self) {
            try SNPLaunchDigest.launch(ovmf: try OVMFImage(bytes: good), vcpus: 0, vcpuSignature: 0)
        }
    }
}
