extension AMDEndorsementExtensions {
    /// Checks that a report's REPORTED_TCB and CHIP_ID are what this key was issued for.
    ///
    /// A VCEK is derived from the chip secret and one TCB, so a report whose REPORTED_TCB or
    /// CHIP_ID differs from the certificate's claims either was not signed by this key or
    /// misstates its TCB; a minimum-TCB policy is only meaningful after this check. VLEKs carry
    /// no chip id, so only the TCB is compared.
    ///
    /// - Parameters:
    ///   - reportedTCB: the report's REPORTED_TCB (re-read in `product`'s layout here).
    ///   - chipID: the report's 64-byte CHIP_ID.
    ///   - product: the product the certificate chain proves.
    /// - Throws: `AttestationError` `.tcbMismatch` or `.chipIDMismatch`.
    public func checkMatches(
        reportedTCB: SEVSNPReport.TCBVersion, chipID: [UInt8], product: SEVSNPProduct
    ) throws(AttestationError) {
        let tcb = SEVSNPReport.TCBVersion(rawValue: reportedTCB.rawValue, layout: product.tcbLayout)
        var differences = [String]()
        func compare(_ name: String, report: UInt8?, certificate: UInt8?) {
            if report != certificate {
                let reported = report.map(String.init) ?? "none"
                let certified = certificate.map(String.init) ?? "none"
                differences.append("\(name) report=\(reported) certificate=\(certified)")
            }
        }
        // Turin TCBs have an FMC component; Milan/Genoa ones have none, so any fmcSPL is a mismatch.
        compare("fmc", report: tcb.fmc, certificate: fmc)
        compare("bootloader", report: tcb.bootloader, certificate: bootloader)
        compare("tee", report: tcb.tee, certificate: tee)
        compare("snp", report: tcb.snp, certificate: snp)
        compare("microcode", report: tcb.microcode, certificate: microcode)
        guard differences.isEmpty else {
            throw AttestationError(
                .tcbMismatch,
                "the report's REPORTED_TCB differs from the TCB its \(kind.rawValue) was issued for "
                    + "(\(differences.joined(separator: ", "))); fetch the \(kind.rawValue) for the reported TCB")
        }

        guard let hardwareID else { return }
        guard chipID.count == 64 else {
            throw AttestationError(.chipIDMismatch, "CHIP_ID must be 64 bytes, got \(chipID.count)")
        }
        guard !chipID.allSatisfy({ $0 == 0 }) else {
            throw AttestationError(
                .chipIDMismatch,
                "the report's CHIP_ID is masked (all zero, MASK_CHIP_ID set by the host), so it cannot be "
                    + "matched to the VCEK; ask the operator to unmask the chip id")
        }
        let length = product.hardwareIDLength
        guard hardwareID.count == length else {
            throw AttestationError(
                .chipIDMismatch,
                "the VCEK's hwID is \(hardwareID.count) bytes, but \(product.name) VCEKs carry \(length)")
        }
        guard chipID.prefix(length).elementsEqual(hardwareID), chipID.dropFirst(length).allSatisfy({ $0 == 0 }) else {
            throw AttestationError(
                .chipIDMismatch,
                "the report's CHIP_ID is not the chip this VCEK was issued for; fetch the VCEK for this chip "
                    + "(AMD KDS, by CHIP_ID and REPORTED_TCB)")
        }
    }
}
