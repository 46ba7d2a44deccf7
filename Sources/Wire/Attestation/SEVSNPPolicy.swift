/// What a verified SEV-SNP report must also satisfy before the client trusts the server.
///
/// `SEVSNPPolicy()` is the mechanism with no product or TCB floor (tests and tools that study
/// old evidence use it); `SEVSNPPolicy.shipped` is what the client enforces: Milan refused and
/// the minimum TCB of `SEVSNPShippedMinimums` per product. Debug off, no migration agent and
/// VMPL 0 are the defaults of both.
public struct SEVSNPPolicy: Sendable, Hashable {
    /// Accept a guest whose policy allows debugging. Debugging lets the host decrypt guest
    /// memory, so this is for development servers only.
    public var allowDebug: Bool
    /// Refuse a guest whose policy allows SMT, or that runs on a host with SMT enabled (sibling
    /// threads share core resources that side channels use).
    public var requireNoSMT: Bool
    /// Accept a guest that may be associated with a migration agent. The agent can move the
    /// guest's memory to another host, so it would have to be attested too; off by default.
    public var allowMigrationAgent: Bool
    /// Lowest acceptable TCB per product, per component. It bounds REPORTED_TCB (the TCB the
    /// VCEK certifies), COMMITTED_TCB (what the platform cannot roll back below) and
    /// CURRENT_TCB (what runs now). A product without an entry has no floor.
    public var minimumTCB: [SEVSNPProduct: SEVSNPReport.MinimumTCB]
    /// Products whose evidence is accepted at all.
    public var allowedProducts: Set<SEVSNPProduct>
    /// VMPLs a report may be requested at. Only 0 by default: that is the most privileged
    /// software in the guest, all of it covered by the launch measurement. A guest that runs
    /// its OS under an SVSM (COCONUT, OpenHCL) requests reports at VMPL 1 to 3; a deployment
    /// that does so must list those levels here, knowing the SVSM at VMPL 0 can forge them.
    public var allowedVMPLs: Set<UInt32>

    /// A policy; debug, SMT, migration and VMPL default to the strict choice, products and TCB
    /// to no restriction (use `shipped` for the client's).
    public init(
        allowDebug: Bool = false, requireNoSMT: Bool = false, allowMigrationAgent: Bool = false,
        minimumTCB: [SEVSNPProduct: SEVSNPReport.MinimumTCB] = [:],
        allowedProducts: Set<SEVSNPProduct> = Set(SEVSNPProduct.allCases), allowedVMPLs: Set<UInt32> = [0]
    ) {
        self.allowDebug = allowDebug
        self.requireNoSMT = requireNoSMT
        self.allowMigrationAgent = allowMigrationAgent
        self.minimumTCB = minimumTCB
        self.allowedProducts = allowedProducts
        self.allowedVMPLs = allowedVMPLs
    }

    /// The policy the client ships with: every product but those with a known break
    /// (`SEVSNPProduct.knownBreak`), each at its shipped minimum TCB.
    public static let shipped = SEVSNPPolicy(
        minimumTCB: SEVSNPShippedMinimums.tcb,
        allowedProducts: Set(SEVSNPProduct.allCases.filter { $0.knownBreak == nil }))

    /// Warnings a verification under this policy must show for `product`: an allowed product
    /// with a known break is accepted only with this text beside every verdict.
    public func warnings(for product: SEVSNPProduct) -> [String] {
        guard allowedProducts.contains(product), let known = product.knownBreak else { return [] }
        return ["\(product.name) is accepted only because the attestation policy allows it: \(known)"]
    }

    /// Checks a report whose signature and endorsement have already been verified, and which
    /// was read in `product`'s layout.
    /// - Throws: `AttestationError` `.productRefused`, `.debugEnabled`, `.smtEnabled`,
    ///   `.migrationAgent`, `.tcbTooLow` or `.vmplNotAllowed`.
    public func check(_ report: SEVSNPReport, product: SEVSNPProduct) throws(AttestationError) {
        guard allowedProducts.contains(product) else {
            let reason = product.knownBreak.map { " (\($0))" } ?? ""
            throw AttestationError(
                .productRefused,
                "the server runs on AMD EPYC \(product.name), which this attestation policy refuses\(reason); "
                    + "to accept it anyway, add \"\(product.name)\" to allow_products in policy.toml")
        }
        if report.policy.debug && !allowDebug {
            throw AttestationError(
                .debugEnabled,
                "the guest's policy allows debugging (POLICY bit 19), so the host can decrypt its memory; "
                    + "this server is not confidential (accept it only for development, with --allow-debug)")
        }
        if requireNoSMT && (report.policy.smt || report.platformInfo.smtEnabled) {
            let which = report.platformInfo.smtEnabled ? "the host has SMT enabled" : "the guest's policy allows SMT"
            throw AttestationError(
                .smtEnabled, "\(which), and this policy requires SMT off; ask the operator to disable SMT")
        }
        if report.policy.migrateMA && !allowMigrationAgent {
            throw AttestationError(
                .migrationAgent,
                "the guest's policy allows a migration agent (POLICY bit 18), which this policy does not accept")
        }
        if let minimum = minimumTCB[product] {
            // REPORTED first: it is the one the VCEK certifies. COMMITTED and CURRENT are the
            // firmware's own claims, but a platform that reports an old one is running, or can
            // roll back to, firmware with known holes.
            let tcbs = [
                ("reported", report.reportedTCB), ("committed", report.committedTCB), ("current", report.currentTCB),
            ]
            for (which, tcb) in tcbs {
                if let low = tcb.firstComponentBelow(minimum) {
                    throw AttestationError(
                        .tcbTooLow,
                        "the platform's \(which) TCB has \(low.name) security patch level \(low.value), below "
                            + "the required \(low.minimum) for \(product.name) (\(which) TCB \(tcb)); the operator "
                            + "must update the firmware or microcode")
                }
            }
        }
        guard allowedVMPLs.contains(report.vmpl) else {
            let allowed = allowedVMPLs.sorted().map(String.init).joined(separator: ", ")
            throw AttestationError(
                .vmplNotAllowed,
                "the report was requested at VMPL \(report.vmpl); this policy accepts VMPL \(allowed)")
        }
    }
}
