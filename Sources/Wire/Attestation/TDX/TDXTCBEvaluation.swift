import Foundation

/// A TCB status as Intel's TCB info and QE identity spell it.
public enum TDXTCBStatus: Sendable, Hashable, CustomStringConvertible {
    /// Nothing known to fix.
    case upToDate
    /// Software mitigations are needed for known issues.
    case swHardeningNeeded
    /// The platform's configuration needs changing.
    case configurationNeeded
    /// Both of the above.
    case configurationAndSWHardeningNeeded
    /// A newer TCB fixes known vulnerabilities.
    case outOfDate
    /// Out of date, and a configuration change is needed too.
    case outOfDateConfigurationNeeded
    /// The TCB's keys are revoked.
    case revoked
    /// A status this build does not know.
    case unknown(String)

    /// The status named `text` in Intel's JSON.
    public init(_ text: String) {
        switch text {
        case "UpToDate": self = .upToDate
        case "SWHardeningNeeded": self = .swHardeningNeeded
        case "ConfigurationNeeded": self = .configurationNeeded
        case "ConfigurationAndSWHardeningNeeded": self = .configurationAndSWHardeningNeeded
        case "OutOfDate": self = .outOfDate
        case "OutOfDateConfigurationNeeded": self = .outOfDateConfigurationNeeded
        case "Revoked": self = .revoked
        default: self = .unknown(text)
        }
    }

    /// Intel's spelling.
    public var description: String {
        switch self {
        case .upToDate: "UpToDate"
        case .swHardeningNeeded: "SWHardeningNeeded"
        case .configurationNeeded: "ConfigurationNeeded"
        case .configurationAndSWHardeningNeeded: "ConfigurationAndSWHardeningNeeded"
        case .outOfDate: "OutOfDate"
        case .outOfDateConfigurationNeeded: "OutOfDateConfigurationNeeded"
        case .revoked: "Revoked"
        case .unknown(let text): text
        }
    }
}

/// The TCB level one part of the platform matched: the platform (SGX and TDX components), the
/// TDX module, or the quoting enclave.
public struct TDXTCBLevelMatch: Sendable, Hashable {
    /// "platform", "TDX module TDX_01" or "quoting enclave".
    public let component: String
    /// The level's status.
    public let status: TDXTCBStatus
    /// The level's date.
    public let tcbDate: String
    /// Intel security advisories that apply at the level.
    public let advisoryIDs: [String]
}

/// Matches a quote and its PCK certificate against TCB info and QE identity, as Intel's quote
/// verification library does: pure, so each rule is tested on edited collateral without signing.
public enum TDXTCBEvaluation {
    /// The levels the platform, the TDX module and the quoting enclave match, in that order.
    /// Statuses are not judged here (`requireUpToDate` does).
    /// - Throws: `TDXError` for an FMSPC, PCE id, TDX module or QE identity mismatch, a TCB that
    ///   matches no level (`.tcbNotSupported`), or collateral of the wrong kind.
    public static func match(
        quote: TDXQuote, pck: PCKCertificateExtensions, tcbInfo: TCBInfo, qeIdentity: QEIdentity
    ) throws(TDXError) -> [TDXTCBLevelMatch] {
        guard tcbInfo.id == "TDX", tcbInfo.version == 3 else {
            throw TDXError(
                .collateralKind,
                "the TCB info is \(tcbInfo.id) version \(tcbInfo.version); a TDX quote needs TDX TCB info version 3")
        }
        guard qeIdentity.id == "TD_QE", qeIdentity.version == 2 else {
            throw TDXError(
                .collateralKind,
                "the QE identity is \(qeIdentity.id) version \(qeIdentity.version); a TDX quote needs TD_QE version 2")
        }
        guard try hex(tcbInfo.fmspc, "fmspc") == pck.fmspc else {
            throw TDXError(
                .fmspcMismatch,
                "the TCB info is for FMSPC \(tcbInfo.fmspc) but the PCK certificate's platform is "
                    + "\(Hex.encode(pck.fmspc).uppercased()); fetch the TCB info for this platform")
        }
        guard try hex(tcbInfo.pceId, "pceId") == pck.pceID else {
            throw TDXError(
                .pceIDMismatch,
                "the TCB info is for PCE id \(tcbInfo.pceId) but the PCK certificate's is "
                    + "\(Hex.encode(pck.pceID).uppercased())")
        }
        var matches = [try platformLevel(quote: quote, pck: pck, tcbInfo: tcbInfo)]
        if let module = try moduleLevel(quote: quote, tcbInfo: tcbInfo) { matches.append(module) }
        matches.append(try quotingEnclaveLevel(quote.qeReport, qeIdentity: qeIdentity))
        return matches
    }

    /// Refuses every status but UpToDate, naming the part and its advisories.
    public static func requireUpToDate(_ matches: [TDXTCBLevelMatch]) throws(TDXError) {
        try judge(matches, policy: .shipped)
    }

    /// Refuses every status `policy` does not accept, naming the part and its advisories:
    /// OutOfDate, Revoked and unknown statuses always, SWHardeningNeeded and ConfigurationNeeded
    /// (and both) unless the policy lists them.
    public static func judge(_ matches: [TDXTCBLevelMatch], policy: TDXPolicy) throws(TDXError) {
        for match in matches where !policy.accepts(match.status) {
            let advisories = match.advisoryIDs.isEmpty ? "" : " (\(match.advisoryIDs.joined(separator: ", ")))"
            let code: TDXErrorCode
            let remedy: String
            switch match.status {
            case .upToDate: continue
            case .outOfDate, .outOfDateConfigurationNeeded:
                code = .tcbOutOfDate
                remedy = "it is never accepted; the server's platform must be updated"
            case .revoked:
                code = .tcbRevoked
                remedy = "it is never accepted; Intel has revoked this TCB's keys"
            case .swHardeningNeeded, .configurationNeeded, .configurationAndSWHardeningNeeded:
                code = .tcbActionNeeded
                remedy =
                    "the attestation policy does not accept it; policy.toml's tdx_accept_tcb_status can, "
                    + "once the advisories are read and judged harmless for this service"
            case .unknown:
                code = .tcbStatusUnknown
                remedy = "this build does not know the status, so it is refused"
            }
            throw TDXError(code, "the \(match.component) TCB is \(match.status)\(advisories); \(remedy)")
        }
    }

    // MARK: The three parts

    private static func platformLevel(
        quote: TDXQuote, pck: PCKCertificateExtensions, tcbInfo: TCBInfo
    ) throws(TDXError) -> TDXTCBLevelMatch {
        let teeTCBSVN = quote.body.teeTCBSVN
        for level in tcbInfo.tcbLevels {
            let sgx = level.tcb.sgxtcbcomponents.map(\.svn)
            let tdx = level.tcb.tdxtcbcomponents.map(\.svn)
            guard sgx.count == 16, tdx.count == 16 else {
                throw TDXError(
                    .collateralParse, "a TCB level of the TCB info does not list 16 SGX and 16 TDX components")
            }
            // Each component at least the level's: a shorter comparison could pass a platform whose
            // unchecked components are below it.
            let sgxMet = zip(pck.sgxTCBComponents, sgx).allSatisfy { Int($0) >= $1 }
            // When the TDX module's major version (TEE_TCB_SVN[1]) is above 0, bytes 0 and 1 are
            // its SVN and version, judged by its identity's levels (`moduleLevel`), so the
            // platform comparison starts at byte 2, as Intel's quote verification library does.
            let first = teeTCBSVN[1] > 0 ? 2 : 0
            let tdxMet = (first..<16).allSatisfy { Int(teeTCBSVN[$0]) >= tdx[$0] }
            if sgxMet, tdxMet, pck.pceSVN >= level.tcb.pcesvn {
                return TDXTCBLevelMatch(
                    component: "platform", status: TDXTCBStatus(level.tcbStatus), tcbDate: level.tcbDate,
                    advisoryIDs: level.advisoryIDs ?? [])
            }
        }
        throw TDXError(
            .tcbNotSupported,
            "the platform's TCB (SGX components \(pck.sgxTCBComponents.map { String($0) }.joined(separator: ".")), "
                + "PCESVN \(pck.pceSVN), TEE_TCB_SVN \(Hex.encode(teeTCBSVN))) matches no level of the TCB info; "
                + "Intel does not support it")
    }

    /// The TDX module must be one the TCB info names; for module major versions above 0 its
    /// identity also has TCB levels by the module's SVN.
    private static func moduleLevel(quote: TDXQuote, tcbInfo: TCBInfo) throws(TDXError) -> TDXTCBLevelMatch? {
        let svn = quote.body.teeTCBSVN[0]
        let major = quote.body.teeTCBSVN[1]
        let identity: TCBInfo.ModuleIdentity
        var name = "TDX module"
        if major > 0, let identities = tcbInfo.tdxModuleIdentities, !identities.isEmpty {
            let digits = Array("0123456789ABCDEF")
            let id = "TDX_" + String([digits[Int(major >> 4)], digits[Int(major & 0xF)]])
            guard let found = identities.first(where: { $0.id?.uppercased() == id }) else {
                throw TDXError(
                    .tdxModuleMismatch,
                    "the TDX module is major version \(major) and the TCB info names no \(id) module; "
                        + "Intel does not know this module")
            }
            identity = found
            name = "TDX module \(id)"
        } else if let base = tcbInfo.tdxModule {
            identity = base
        } else {
            throw TDXError(.collateralParse, "the TCB info has no tdxModule; it is not TDX TCB info")
        }
        let mrsigner = try hex(identity.mrsigner, "mrsigner")
        let attributes = try hex(identity.attributes, "attributes")
        let mask = try hex(identity.attributesMask, "attributesMask")
        let seamAttributes = Array(quote.body.bytes[112..<120])
        guard mrsigner == quote.body.mrSignerSEAM, attributes.count == 8, mask.count == 8,
            (0..<8).allSatisfy({ seamAttributes[$0] & mask[$0] == attributes[$0] & mask[$0] })
        else {
            throw TDXError(
                .tdxModuleMismatch,
                "the \(name)'s signer (MRSIGNERSEAM) or SEAMATTRIBUTES differ from the TCB info's; it is not "
                    + "Intel's module")
        }
        guard let levels = identity.tcbLevels, identity.id != nil else { return nil }
        guard let level = levels.first(where: { Int(svn) >= $0.tcb.isvsvn }) else {
            throw TDXError(
                .tcbNotSupported,
                "the \(name)'s SVN \(svn) matches no level of the TCB info; Intel does not support it")
        }
        return TDXTCBLevelMatch(
            component: name, status: TDXTCBStatus(level.tcbStatus), tcbDate: level.tcbDate,
            advisoryIDs: level.advisoryIDs ?? [])
    }

    private static func quotingEnclaveLevel(
        _ report: SGXEnclaveReport, qeIdentity: QEIdentity
    ) throws(TDXError) -> TDXTCBLevelMatch {
        let miscselect = try hex(qeIdentity.miscselect, "miscselect")
        let miscselectMask = try hex(qeIdentity.miscselectMask, "miscselectMask")
        let attributes = try hex(qeIdentity.attributes, "attributes")
        let attributesMask = try hex(qeIdentity.attributesMask, "attributesMask")
        guard miscselect.count == 4, miscselectMask.count == 4, attributes.count == 16, attributesMask.count == 16
        else {
            throw TDXError(.collateralParse, "the QE identity's MISCSELECT or ATTRIBUTES is not of its size")
        }
        // MISCSELECT is written as a big-endian hex number; the report holds it little-endian.
        let expectedMisc = miscselect.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let misc = miscselectMask.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let reportAttributes = report.attributes
        guard try hex(qeIdentity.mrsigner, "mrsigner") == report.mrSigner,
            Int(report.isvProdID) == qeIdentity.isvprodid,
            report.miscSelect & misc == expectedMisc & misc,
            (0..<16).allSatisfy({ reportAttributes[$0] & attributesMask[$0] == attributes[$0] & attributesMask[$0] })
        else {
            throw TDXError(
                .qeIdentityMismatch,
                "the quoting enclave is not Intel's TD quoting enclave (its MRSIGNER, ISVPRODID, MISCSELECT or "
                    + "ATTRIBUTES differ from the QE identity)")
        }
        guard let level = qeIdentity.tcbLevels.first(where: { Int(report.isvSVN) >= $0.tcb.isvsvn }) else {
            throw TDXError(
                .tcbNotSupported,
                "the quoting enclave's ISVSVN \(report.isvSVN) matches no level of the QE identity; "
                    + "Intel does not support it")
        }
        return TDXTCBLevelMatch(
            component: "quoting enclave", status: TDXTCBStatus(level.tcbStatus), tcbDate: level.tcbDate,
            advisoryIDs: level.advisoryIDs ?? [])
    }

    private static func hex(_ text: String, _ field: String) throws(TDXError) -> [UInt8] {
        guard let bytes = try? Hex.decode(text.lowercased()) else {
            throw TDXError(.collateralParse, "the collateral's \(field) is not hexadecimal")
        }
        return bytes
    }
}
