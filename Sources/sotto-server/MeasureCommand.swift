import ArgumentParser
import Foundation
import Wire

/// `sotto-server measure`: the launch measurement of a confidential VM, from its artifacts.
struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Print the SEV-SNP launch measurement of a VM from its firmware, kernel and vCPUs.",
        discussion: """
            Computes the launch digest AMD's firmware extends while QEMU launches the guest \
            (SNP_LAUNCH_UPDATE): the OVMF image, the pages its SEV metadata declares, the hashes \
            of a direct-boot kernel, initrd and command line (which the OVMF must have a kernel \
            hashes section for), and one VMSA per vCPU. The release manifest pins this value; \
            the report of a guest launched that way carries it as MEASUREMENT. Reads only the \
            given files; no network.

            vCPU types are QEMU's CPU models: \(SNPLaunchDigest.vcpuSignatures.map(\.name).joined(separator: ", ")).
            """
    )

    @Option(help: "The TEE platform (sev-snp).")
    var platform = "sev-snp"

    @Option(help: "The OVMF firmware image.", completion: .file())
    var ovmf: String

    @Option(help: "A kernel for measured direct boot.", completion: .file())
    var kernel: String?

    @Option(help: "The initrd of the direct-boot kernel.", completion: .file())
    var initrd: String?

    @Option(help: "The kernel command line.")
    var append: String?

    @Option(help: "The number of vCPUs.")
    var vcpus: Int

    @Option(help: "The QEMU CPU model of the vCPUs (EPYC-v4, EPYC-Milan-v2, EPYC-Genoa, ...).")
    var vcpuType: String

    @Option(help: "The guest's SEV features as hex (bit 0: SNP active).")
    var guestFeatures = "0x1"

    func validate() throws {
        guard platform == "sev-snp" else {
            throw ValidationError(
                "--platform \(platform) cannot be measured by this version; only sev-snp (TDX's MRTD is not computed yet)"
            )
        }
        guard SNPLaunchDigest.vcpuSignatures.contains(where: { $0.name == vcpuType }) else {
            throw ValidationError(
                "unknown --vcpu-type \(vcpuType); one of \(SNPLaunchDigest.vcpuSignatures.map(\.name).joined(separator: ", "))"
            )
        }
        guard parsedFeatures != nil else {
            throw ValidationError("--guest-features takes a hexadecimal number such as 0x1, got \(guestFeatures)")
        }
        if (initrd != nil || append != nil) && kernel == nil {
            throw ValidationError("--initrd and --append measure a direct-boot kernel: give --kernel too")
        }
    }

    var parsedFeatures: UInt64? {
        let text = guestFeatures.lowercased()
        return UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
    }

    func run() throws {
        func read(_ path: String, _ what: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the \(what) \(path)")
            }
            return Array(data)
        }
        let image = try OVMFImage(bytes: read(ovmf, "OVMF image"))
        let boot = try kernel.map {
            SNPLaunchDigest.DirectBoot(
                kernel: try read($0, "kernel"), initrd: try initrd.map { try read($0, "initrd") } ?? [],
                commandLine: append ?? "")
        }
        let signature = SNPLaunchDigest.vcpuSignatures.first { $0.name == vcpuType }!.signature
        let digest = try SNPLaunchDigest.launch(
            ovmf: image, vcpus: vcpus, vcpuSignature: signature, guestFeatures: parsedFeatures!, directBoot: boot)
        print(Hex.encode(digest.bytes))
    }
}
