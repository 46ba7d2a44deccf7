/// The minimum TCB the client ships with, per product. A signed release manifest may raise a
/// floor and the user's policy.toml may raise it further; nothing lowers it.
///
/// Sources (SPL = the low byte of a microcode patch id, the other components are SVNs):
/// - Microcode: AMD-SB-3019 (EntrySign, CVE-2024-56161, February 2025), whose fix is the
///   microcode signature check; below it a host can load forged microcode and SEV-SNP protects
///   nothing. Published minimum patches: Milan 0x0A0011DB (SPL 219), Genoa 0x0A101154 (SPL 84).
///   linux-firmware's amd-ucode README lists 0x0A0011D5 and 0x0A101148 as the last levels
///   without the fix ("old BIOS").
/// - Bootloader, TEE and SNP: the PSP firmware of the platform initialisation packages that
///   carry those microcode levels (Milan bootloader 4, TEE 0, SNP 22; Genoa 9, 0, 21), as other
///   SEV-SNP verifiers pin them.
/// - Turin: no bulletin value was found; its SVNs are small sequential numbers, not patch-id
///   bytes, so the floor is a conservative one (FMC 3, bootloader 4, TEE 0, SNP 8, microcode 12).
///
/// Known limits: Milan-X and Genoa-X (stepping 2) and Bergamo/Siena (Genoa models A0h–AFh)
/// follow their own microcode lines (SB-3019 minimums SPL 68, 79 and 25), below these floors,
/// so they are refused until a floor per silicon line exists.
public enum SEVSNPShippedMinimums {
    /// The floor per product.
    public static let tcb: [SEVSNPProduct: SEVSNPReport.MinimumTCB] = [
        .milan: SEVSNPReport.MinimumTCB(bootloader: 4, tee: 0, snp: 22, microcode: 219),
        .genoa: SEVSNPReport.MinimumTCB(bootloader: 9, tee: 0, snp: 21, microcode: 84),
        .turin: SEVSNPReport.MinimumTCB(fmc: 3, bootloader: 4, tee: 0, snp: 8, microcode: 12),
    ]
}
