/// What a verified SEV-SNP report must also satisfy before the client trusts the server. The
/// defaults are the strict ones; loosen a field only for a deployment that needs it.
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
    /// Lowest acceptable REPORTED_TCB, per component (the TCB the VCEK certifies).
    public var minimumTCB: SEVSNPReport.MinimumTCB
    /// VMPLs a report may be requested at. Only 0 by default: that is the most privileged
    /// software in the guest, all of it covered by the launch measurement. A guest that runs
    /// its OS under an SVSM (COCONUT, OpenHCL) requests reports at VMPL 1 to 3; a deployment
    /// that does so must list those levels here, knowing the SVSM at VMPL 0 can forge them.
    public var allowedVMPLs: Set<UInt32>

    /// A policy; every argument defaults to the strict choice.
    public init(
        allowDebug: Bool = false, requireNoSMT: Bool = false, allowMigrationAgent: Bool = false,
        minimumTCB: SEVSNPReport.MinimumTCB = .none, allowedVMPLs: Set<UInt32> = [0]
    ) {
        self.allowDebug = allowDebug
        self.requireNoSMT = requireNoSMT
        self.allowMigrationAgent = allowMigrationAgent
        self.minimumTCB = minimumTCB
        self.allowedVMPLs = allowedVMPLs
    }

    /// Checks a report whose signature and endorsement have already been verified.
    /// - Throws: `AttestationError` `.debugEnabled`, `.smtEnabled`, `.migrationAgent`,
    ///   `.tcbTooLow` or `.vmplNotAllowed`.
    public func check(_ report: SEVSNPReport) throws(AttestationError) {
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
        if let low = report.reportedTCB.firstComponentBelow(minimumTCB) {
            throw AttestationError(
                .tcbTooLow,
                "the platform's \(low.name) security patch level is \(low.value), below the required \(low.minimum) "
                    + "(reported TCB \(report.reportedTCB)); the operator must update the firmware or microcode")
        }
        guard allowedVMPLs.contains(report.vmpl) else {
            let allowed = allowedVMPLs.sorted().map(String.init).joined(separator: ", ")
            throw AttestationError(
                .vmplNotAllowed,
                "the report was requested at VMPL \(report.vmpl); this policy accepts VMPL \(allowed)")
        }
    }
}
