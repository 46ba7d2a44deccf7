import DevelopmentPKI
import Foundation
import Wire

/// A development stand-in for AMD's SEV-SNP key hierarchy: an ARK → ASK → VCEK chain in
/// AMD's certificate profile (RSA-4096 CAs, RSASSA-PSS SHA-384 signatures, an ECDSA P-384
/// VCEK with KDS extensions, "Genoa-B1" unless another product is asked for), whose keys this
/// server holds.
///
/// Evidence signed with it passes the same `SEVSNPVerifier` code as hardware evidence, but only
/// for a verifier that trusts this ARK (`trustedRoots`), which clients do only with `--dev`.
/// It is made once, on the first `serve --dev`, in `<data-dir>/dev-attestation/`, and loaded
/// on every later start; a broken folder is reported, never regenerated over.
public struct DevelopmentAuthority: Sendable {
    /// The files of the authority inside its folder.
    public enum File: String, Sendable, CaseIterable {
        /// The ARK certificate, PEM.
        case arkCertificate = "ark.pem"
        /// The ASK certificate, PEM.
        case askCertificate = "ask.pem"
        /// The VCEK certificate, PEM.
        case vcekCertificate = "vcek.pem"
        /// The ARK's RSA private key, PEM (mode 0600).
        case arkKey = "ark.key"
        /// The ASK's RSA private key, PEM (mode 0600).
        case askKey = "ask.key"
        /// The VCEK's P-384 private key, PKCS#8 PEM (mode 0600).
        case vcekKey = "vcek.key"
    }

    /// The product a new authority claims. Not Milan: clients refuse Milan by default.
    public static let defaultProduct = SEVSNPProduct.genoa

    /// The VCEK's product name extension as KDS writes it (every Milan VCEK is "Milan-B0").
    public static func productName(for product: SEVSNPProduct) -> String {
        switch product {
        case .milan: "Milan-B0"
        case .genoa: "Genoa-B1"
        case .turin: "Turin"
        }
    }

    /// The TCB a new authority's VCEK is issued for: the client's shipped minimum for the
    /// product, so development evidence passes the shipped policy and any raised floor refuses it.
    public static func initialTCB(for product: SEVSNPProduct) -> SEVSNPReport.TCBVersion {
        let floor = SEVSNPShippedMinimums.tcb[product] ?? .none
        return SEVSNPReport.TCBVersion(
            layout: product.tcbLayout, fmc: floor.fmc, bootloader: floor.bootloader, tee: floor.tee, snp: floor.snp,
            microcode: floor.microcode)
    }

    static let organization = "Sotto development authority (NOT AMD)"
    static let unit = "Development only, not a hardware root of trust"
    /// The ARK's name, which is its issuer's too.
    public static let arkName = AMDCertificateBuilder.Name(
        commonName: "Sotto Development ARK (NOT AMD)", organization: organization, organizationalUnit: unit)
    /// The ASK's name.
    public static let askName = AMDCertificateBuilder.Name(
        commonName: "Sotto Development ASK (NOT AMD)", organization: organization, organizationalUnit: unit)
    /// The VCEK's name.
    public static let vcekName = AMDCertificateBuilder.Name(
        commonName: "Sotto Development VCEK (NOT AMD)", organization: organization, organizationalUnit: unit)

    /// The folder the authority lives in.
    public let folder: URL
    /// The product the chain claims, read from the VCEK.
    public let product: SEVSNPProduct
    /// The development root, standing in for AMD's ARK.
    public let ark: AMDCertificate
    /// The intermediate that issued the VCEK.
    public let ask: AMDCertificate
    /// The endorsement key's certificate.
    public let vcek: AMDCertificate
    /// The chip id the VCEK was issued for (its hwID, 64 bytes, 8 on Turin), which reports carry
    /// in CHIP_ID.
    public let chipID: [UInt8]
    /// The TCB the VCEK was issued for, which reports carry as their TCBs.
    public let tcb: SEVSNPReport.TCBVersion
    /// True when this call created the authority, false when it loaded an existing one.
    public let wasCreated: Bool
    /// Where an outdated authority this call replaced was set aside (see `loadOrCreate`).
    public private(set) var replacedFolder: URL?
    let vcekKey: AMDCertificateBuilder.EndorsementKey
    let arkKey: AMDCertificateBuilder.AuthorityKey

    /// The chain as evidence carries it: VCEK, ASK, ARK, DER.
    public var certificateChain: [[UInt8]] {
        [vcek.derRepresentation, ask.derRepresentation, ark.derRepresentation]
    }

    /// The roots a verifier trusts to accept this authority's evidence: its ARK.
    public var trustedRoots: [SEVSNPProduct: AMDCertificate] { [product: ark] }

    /// The authority's folder inside a server data folder: `<dataDirectory>/dev-attestation`.
    public static func folder(inDataDirectory dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent(DevelopmentFolder.name, isDirectory: true)
    }

    // MARK: Loading and creating

    /// Loads the authority in `folder`, or creates it there when the folder holds none of its
    /// files. Creation generates two RSA-4096 keys and takes seconds; loading is fast.
    /// - Parameters:
    ///   - now: the time certificates are issued at and checked against.
    ///   - product: the product a new authority claims; an existing one keeps its own.
    /// - Throws: `DevelopmentAttestationError`: `.incomplete` when only some files exist,
    ///   `.corrupt`, `.mismatch`, `.expired` or `.unreadable` naming the file at fault,
    ///   `.writeFailed` or `.generationFailed` while creating. Existing files are never changed.
    ///   - renewingOutdated: when the existing authority is one today's clients refuse under
    ///     their shipped policy (`outdatedReason`: made by an older version, e.g. claiming Milan),
    ///     set its files aside in `dev-attestation-replaced-<time>` beside the folder (moved,
    ///     never deleted; the release key stays) and create a new one. Local mode re-pins the new
    ///     root because it finds the one it trusted among the files set aside.
    public static func loadOrCreate(
        in folder: URL, now: Date = Date(), product: SEVSNPProduct = defaultProduct, renewingOutdated: Bool = false
    ) async throws(DevelopmentAttestationError) -> DevelopmentAuthority {
        let present = File.allCases.filter { DevelopmentFolder.exists($0.rawValue, in: folder) }
        if !present.isEmpty {
            let existing = try load(from: folder, now: now)
            guard renewingOutdated, existing.outdatedReason != nil else { return existing }
            let aside = try setAside(folder, now: now)
            try await create(in: folder, now: now, product: product)
            var renewed = try load(from: folder, now: now, created: true)
            renewed.replacedFolder = aside
            return renewed
        }
        try DevelopmentFolder.ensureExists(folder)
        try await create(in: folder, now: now, product: product)
        return try load(from: folder, now: now, created: true)
    }

    /// Why clients with the shipped attestation policy refuse this authority's evidence (its
    /// product refused by default, or its TCB below the shipped minimum), or nil.
    public var outdatedReason: String? {
        if !SEVSNPPolicy.shipped.allowedProducts.contains(product) {
            return "it claims AMD EPYC \(product.name), which clients refuse by default"
        }
        if let minimum = SEVSNPShippedMinimums.tcb[product], let low = tcb.firstComponentBelow(minimum) {
            return "its TCB has \(low.name) \(low.value), below the \(low.minimum) clients require for \(product.name)"
        }
        return nil
    }

    /// The prefix of the folders outdated authorities are set aside in, beside `dev-attestation`.
    public static let replacedFolderPrefix = DevelopmentFolder.name + "-replaced-"

    /// Moves the authority's own files (not the release key) to a new
    /// `dev-attestation-replaced-<UTC time>` folder beside `folder`.
    private static func setAside(_ folder: URL, now: Date) throws(DevelopmentAttestationError) -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let aside = folder.deletingLastPathComponent().appendingPathComponent(
            replacedFolderPrefix + formatter.string(from: now), isDirectory: true)
        guard !FileManager.default.fileExists(atPath: aside.path) else {
            throw DevelopmentAttestationError(
                .writeFailed, "\(aside.path) already exists; move it away and start the server again")
        }
        try DevelopmentFolder.ensureExists(aside)
        for file in File.allCases {
            do {
                try FileManager.default.moveItem(
                    at: folder.appendingPathComponent(file.rawValue), to: aside.appendingPathComponent(file.rawValue))
            } catch {
                throw DevelopmentAttestationError(
                    .writeFailed,
                    "cannot move \(file.rawValue) from \(folder.path) to \(aside.path); check that the data folder "
                        + "is writable (the files moved so far are in \(aside.path))",
                    file: file.rawValue)
            }
        }
        return aside
    }

    /// Loads an existing authority and checks it: every file decodes, each key belongs to its
    /// certificate, the chain verifies to the ARK at `now`, and the VCEK carries a chip id.
    /// - Throws: `DevelopmentAttestationError` naming the file at fault.
    public static func load(
        from folder: URL, now: Date = Date()
    ) throws(DevelopmentAttestationError) -> DevelopmentAuthority {
        try load(from: folder, now: now, created: false)
    }

    private static func load(
        from folder: URL, now: Date, created: Bool
    ) throws(DevelopmentAttestationError) -> DevelopmentAuthority {
        let missing = File.allCases.filter { !DevelopmentFolder.exists($0.rawValue, in: folder) }
        if !missing.isEmpty {
            let names = missing.map(\.rawValue).joined(separator: ", ")
            let none = missing.count == File.allCases.count
            throw DevelopmentAttestationError(
                .incomplete,
                none
                    ? "\(folder.path) holds no development attestation authority; `sotto-server serve --dev` "
                        + "creates one"
                    : "the development attestation authority in \(folder.path) is incomplete: \(names) "
                        + "\(missing.count == 1 ? "is" : "are") missing. It is never regenerated over the "
                        + "remaining files: restore them, or delete the folder to create a new authority "
                        + "(clients must then trust the new root)",
                file: missing.first?.rawValue)
        }
        let ark = try certificate(.arkCertificate, in: folder, role: "development ARK")
        let ask = try certificate(.askCertificate, in: folder, role: "development ASK")
        let vcek = try certificate(.vcekCertificate, in: folder, role: "development VCEK")
        let arkKey = try authorityKey(.arkKey, in: folder)
        let askKey = try authorityKey(.askKey, in: folder)
        let vcekKey = try endorsementKey(.vcekKey, in: folder)
        let pairs: [(matches: Bool, key: File, certificate: File)] = [
            (arkKey.isKey(of: ark), .arkKey, .arkCertificate),
            (askKey.isKey(of: ask), .askKey, .askCertificate),
            (vcekKey.isKey(of: vcek), .vcekKey, .vcekCertificate),
        ]
        if let (_, key, certificate) = pairs.first(where: { !$0.matches }) {
            throw DevelopmentAttestationError(
                .mismatch,
                "\(key.rawValue) in \(folder.path) is not the key of \(certificate.rawValue); the folder mixes "
                    + "files of different authorities. Restore the matching file, or delete the folder to create "
                    + "a new authority",
                file: key.rawValue)
        }
        let endorsement = try verifyChain(ark: ark, ask: ask, vcek: vcek, folder: folder, now: now)
        let product = endorsement.product
        guard let chipID = endorsement.extensions.hardwareID, chipID.count == product.hardwareIDLength else {
            throw DevelopmentAttestationError(
                .mismatch,
                "vcek.pem in \(folder.path) carries no \(product.hardwareIDLength)-byte chip id (hwID); it is not "
                    + "a VCEK this server issued",
                file: File.vcekCertificate.rawValue)
        }
        let extensions = endorsement.extensions
        let tcb = SEVSNPReport.TCBVersion(
            layout: product.tcbLayout, fmc: extensions.fmc ?? 0, bootloader: extensions.bootloader,
            tee: extensions.tee, snp: extensions.snp, microcode: extensions.microcode)
        return DevelopmentAuthority(
            folder: folder, product: product, ark: ark, ask: ask, vcek: vcek, chipID: chipID, tcb: tcb,
            wasCreated: created, vcekKey: vcekKey, arkKey: arkKey)
    }

    /// The production verifier's own chain checks, with this ARK as the only trusted root.
    private static func verifyChain(
        ark: AMDCertificate, ask: AMDCertificate, vcek: AMDCertificate, folder: URL, now: Date
    ) throws(DevelopmentAttestationError) -> VerifiedEndorsementKey {
        do {
            // Trusted for every product: the VCEK says which one this authority claims.
            let roots = Dictionary(uniqueKeysWithValues: SEVSNPProduct.allCases.map { ($0, ark) })
            return try SEVSNPVerifier(trustedRoots: roots).verifyEndorsementKey(
                vcek, chain: AMDCertificates.Chain(intermediate: ask, root: ark), at: now)
        } catch {
            let expired = [.certificateExpired, .certificateNotYetValid].contains(error.code)
            throw DevelopmentAttestationError(
                expired ? .expired : .mismatch,
                "the development certificate chain in \(folder.path) does not verify: \(error.message). "
                    + (expired
                        ? "Check the system clock; if it is right, delete the folder to create a new authority "
                            + "(clients must then trust the new root)"
                        : "Delete the folder to create a new authority (clients must then trust the new root)"))
        }
    }

    private static func certificate(
        _ file: File, in folder: URL, role: String
    ) throws(DevelopmentAttestationError) -> AMDCertificate {
        let data = try DevelopmentFolder.read(file.rawValue, in: folder)
        do {
            return try AMDCertificate(derOrPEM: Array(data), role: "\(role) (\(file.rawValue))")
        } catch {
            // Only the code: the decoder's message can quote the whole file.
            throw corrupt(file, in: folder, "is not a valid \(role) certificate (\(error.code.rawValue))")
        }
    }

    private static func authorityKey(
        _ file: File, in folder: URL
    ) throws(DevelopmentAttestationError) -> AMDCertificateBuilder.AuthorityKey {
        let data = try DevelopmentFolder.read(file.rawValue, in: folder)
        // The underlying error is not shown: a parser's complaint could quote the key.
        guard let text = String(data: data, encoding: .utf8),
            let key = try? AMDCertificateBuilder.AuthorityKey(pemRepresentation: text)
        else { throw corrupt(file, in: folder, "is not a PEM RSA private key") }
        return key
    }

    private static func endorsementKey(
        _ file: File, in folder: URL
    ) throws(DevelopmentAttestationError) -> AMDCertificateBuilder.EndorsementKey {
        let data = try DevelopmentFolder.read(file.rawValue, in: folder)
        guard let text = String(data: data, encoding: .utf8),
            let key = try? AMDCertificateBuilder.EndorsementKey(pemRepresentation: text)
        else { throw corrupt(file, in: folder, "is not a PEM (PKCS#8) ECDSA P-384 private key") }
        return key
    }

    private static func corrupt(_ file: File, in folder: URL, _ problem: String) -> DevelopmentAttestationError {
        DevelopmentAttestationError(
            .corrupt,
            "\(file.rawValue) in \(folder.path) \(problem). It was left untouched: restore it from a backup, or "
                + "delete the folder to create a new authority (clients must then trust the new root)",
            file: file.rawValue)
    }

    // MARK: Creation

    /// Generates keys and certificates in memory, then writes each file once.
    private static func create(
        in folder: URL, now: Date, product: SEVSNPProduct
    ) async throws(DevelopmentAttestationError) {
        // The two RSA-4096 keys take seconds each; on two cores they take that time once.
        async let arkResult = generateAuthorityKey()
        async let askResult = generateAuthorityKey()
        let (arkKey, askKey) = (try await arkResult.get(), try await askResult.get())
        let vcekKey = AMDCertificateBuilder.EndorsementKey()
        let chipID = SecureRandom.bytes(product.hardwareIDLength)
        let initialTCB = Self.initialTCB(for: product)

        // Backdated an hour so a client whose clock runs a little behind still accepts a new
        // authority; the lifetimes are AMD's, counted from now.
        let notBefore = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down) - 3_600)
        let ders: (ark: [UInt8], ask: [UInt8], vcek: [UInt8])
        do {
            let extensions = AMDEndorsementExtensions(
                productName: productName(for: product), bootloader: initialTCB.bootloader, tee: initialTCB.tee,
                snp: initialTCB.snp, microcode: initialTCB.microcode, fmc: initialTCB.fmc, hardwareID: chipID)
            ders = (
                try AMDCertificateBuilder.authorityCertificate(
                    serialNumber: randomSerialNumber(), issuer: arkName, subject: arkName, publicKey: arkKey,
                    notValidBefore: notBefore, notValidAfter: adding(years: 25, to: now), signer: arkKey),
                try AMDCertificateBuilder.authorityCertificate(
                    serialNumber: randomSerialNumber(), issuer: arkName, subject: askName, publicKey: askKey,
                    notValidBefore: notBefore, notValidAfter: adding(years: 25, to: now), signer: arkKey),
                try AMDCertificateBuilder.endorsementKeyCertificate(
                    issuer: askName, subject: vcekName, publicKey: vcekKey, extensions: extensions,
                    notValidBefore: notBefore, notValidAfter: adding(years: 7, to: now), signer: askKey)
            )
        } catch {
            throw DevelopmentAttestationError(
                .generationFailed, "issuing the development certificates failed (\(type(of: error))); start again")
        }

        let files: [(File, String)] = [
            (.arkKey, arkKey.pemRepresentation), (.askKey, askKey.pemRepresentation),
            (.vcekKey, vcekKey.pemRepresentation), (.arkCertificate, pem(ders.ark)),
            (.askCertificate, pem(ders.ask)), (.vcekCertificate, pem(ders.vcek)),
        ]
        for (file, text) in files {
            let mode = file.rawValue.hasSuffix(".key") ? DevelopmentFolder.secretMode : DevelopmentFolder.publicMode
            guard try DevelopmentFolder.writeNew(Array(text.utf8), as: file.rawValue, in: folder, mode: mode) else {
                throw DevelopmentAttestationError(
                    .writeFailed,
                    "\(file.rawValue) appeared in \(folder.path) while this server was creating it: another "
                        + "server is starting with the same --data-dir. Stop the other one, delete the folder and "
                        + "start again",
                    file: file.rawValue)
            }
        }
        try DevelopmentFolder.writeReadme(in: folder)
    }

    private static func generateAuthorityKey() -> Result<
        AMDCertificateBuilder.AuthorityKey, DevelopmentAttestationError
    > {
        do {
            return .success(try AMDCertificateBuilder.AuthorityKey.generate(bits: 4096))
        } catch {
            return .failure(
                DevelopmentAttestationError(.generationFailed, "generating an RSA-4096 key failed; start again"))
        }
    }

    /// A positive 16-byte serial, unique in practice, as RFC 5280 asks of a CA.
    private static func randomSerialNumber() -> [UInt8] {
        var serial = SecureRandom.bytes(16)
        serial[0] = serial[0] & 0x7F | 0x01
        return serial
    }

    /// `date` plus whole calendar years, in UTC (2026-03-01 + 25 years = 2051-03-01).
    private static func adding(years: Int, to date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .year, value: years, to: date)
            ?? date.addingTimeInterval(Double(years) * 365.25 * 86_400)
    }

    /// A certificate as a PEM "CERTIFICATE" block.
    static func pem(_ der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n"
    }

    // MARK: Signing

    /// Signs a complete 1184-byte report with the VCEK.
    func sign(report bytes: [UInt8]) throws -> SEVSNPReport {
        try vcekKey.sign(report: bytes)
    }

    /// A revocation list in the form AMD KDS serves (DER X.509 CRL signed by the ARK) naming
    /// `serials`, current from an hour before `now` for `days`. Serial `[0]` is the VCEK's.
    public func issueRevocationList(
        revoking serials: [[UInt8]], now: Date = Date(), days: Int = 7
    ) throws(DevelopmentAttestationError) -> [UInt8] {
        do {
            return try AMDCertificateBuilder.revocationList(
                issuer: Self.arkName, revokedSerials: serials, thisUpdate: now.addingTimeInterval(-3_600),
                nextUpdate: now.addingTimeInterval(Double(days) * 86_400), signer: arkKey)
        } catch {
            throw DevelopmentAttestationError(.generationFailed, "issuing the development revocation list failed")
        }
    }
}
