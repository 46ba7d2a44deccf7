import Foundation
import TestSupport
import Testing

/// `sotto-server measure` as an operator runs it, on the reference fixtures.
@Suite struct MeasureCommandTests {
    static let folder = Fixtures.url("vectors/snp-measure").path

    @Test func printsTheReferenceDigest() async throws {
        let run = try await Executables.run(
            "sotto-server",
            [
                "measure", "--ovmf", Self.folder + "/ovmf-kernel-hashes.bin", "--kernel", Self.folder + "/kernel.bin",
                "--initrd", Self.folder + "/initrd.bin", "--append", "console=ttyS0 root=/dev/vda1 ro", "--vcpus", "4",
                "--vcpu-type", "EPYC-Genoa", "--guest-features", "0x21",
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let digest = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The reference's own figure for this case.
        let json = try JSONSerialization.jsonObject(with: Fixtures.data("vectors/snp-measure/expected.json"))
        let cases = try #require((json as? [String: Any])?["cases"] as? [[String: Any]])
        let reference = cases.first {
            $0["ovmf"] as? String == "ovmf-kernel-hashes.bin" && $0["vcpus"] as? Int == 4
                && $0["vcpu_type"] as? String == "EPYC-Genoa" && $0["guest_features"] as? String == "0x21"
                && $0["append"] != nil
        }
        #expect(reference?["measurement"] as? String == digest)
    }

    @Test func refusesAKernelTheFirmwareCannotMeasureAndBadArguments() async throws {
        let kernel = try await Executables.run(
            "sotto-server",
            [
                "measure", "--ovmf", Self.folder + "/ovmf-no-kernel-hashes.bin", "--kernel",
                Self.folder + "/kernel.bin",
                "--vcpus", "1", "--vcpu-type", "EPYC-v4",
            ])
        #expect(kernel.status != 0)
        #expect(
            kernel.stderr.contains("SOTTO-MEASURE-INPUT") && kernel.stderr.contains("kernel hashes"), "\(kernel.stderr)"
        )
        let type = try await Executables.run(
            "sotto-server",
            ["measure", "--ovmf", Self.folder + "/ovmf-kernel-hashes.bin", "--vcpus", "1", "--vcpu-type", "Pentium"])
        #expect(type.status != 0 && type.stderr.contains("unknown --vcpu-type Pentium"), "\(type.stderr)")
        let image = try await Executables.run(
            "sotto-server",
            ["measure", "--ovmf", Self.folder + "/kernel.bin", "--vcpus", "1", "--vcpu-type", "EPYC-v4"])
        #expect(image.status != 0 && image.stderr.contains("SOTTO-MEASURE-FIRMWARE"), "\(image.stderr)")
    }
}
