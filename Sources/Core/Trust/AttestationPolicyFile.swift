import Foundation
import TOMLKit
import Wire

/// The user's attestation policy, `$XDG_CONFIG_HOME/sotto/policy.toml`. It can only tighten the
/// shipped policy; a looser value is refused with the rule and the file named, never ignored.
///
/// ```toml
/// allow_products = ["Genoa", "Turin"]     # "Milan" re-enables Milan, with a warning on every verdict
/// require_smt_off = true
/// max_manifest_age_days = 30
/// tdx_accept_tcb_status = ["SWHardeningNeeded"]  # Intel TDX: also accept these, advisories shown
/// [minimum_tcb.genoa]                      # components left out keep the shipped floor
/// microcode = 90
/// ```
public enum AttestationPolicyFile {
    /// The file's place in the configuration folder.
    public static func path(inConfigFolder config: String) -> String { config + "/policy.toml" }

    /// `base` tightened by the file at `path`; a missing file leaves it as it is.
    /// - Throws: `PolicyFileError` `.malformed` naming the line or key, `.looser` naming the rule.
    public static func apply(path: String, to base: VerificationPolicy) throws(PolicyFileError) -> VerificationPolicy {
        guard let data = FileManager.default.contents(atPath: path) else { return base }
        return try apply(toml: String(decoding: data, as: UTF8.self), path: path, to: base)
    }

    /// `base` tightened by the policy text `toml`, read from `path` (named in errors).
    /// - Throws: `PolicyFileError` as `apply(path:to:)`.
    static func apply(
        toml: String, path: String, to base: VerificationPolicy
    ) throws(PolicyFileError)
        -> VerificationPolicy
    {
        if let line = TOMLHeaderCheck.lineOfHeaderWithoutKey(in: toml) {
            throw PolicyFileError(.malformed, "\(path): \(TOMLHeaderCheck.problem(line: line))")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw PolicyFileError(.malformed, "\(path): line \(error.source.begin.line): \(error.description)")
        } catch {
            throw PolicyFileError(.malformed, "\(path): not valid TOML")
        }
        return try apply(table, path: path, to: base)
    }

    static let keys: Set<String> = [
        "allow_products", "require_smt_off", "max_manifest_age_days", "minimum_tcb", "tdx_accept_tcb_status",
    ]
    static let components: Set<String> = ["fmc", "bootloader", "tee", "snp", "microcode"]

    private static func apply(
        _ table: TOMLTable, path: String, to base: VerificationPolicy
    ) throws(PolicyFileError) -> VerificationPolicy {
        func malformed(_ problem: String) -> PolicyFileError { PolicyFileError(.malformed, "\(path): \(problem)") }
        // An unknown key is refused: a misspelt rule must not pass for one that holds.
        if let unknown = table.keys.sorted().first(where: { !keys.contains($0) }) {
            throw malformed("unknown rule `\(unknown)` (known: \(keys.sorted().joined(separator: ", ")))")
        }
        var policy = base

        if let value = table["allow_products"] {
            guard let array = value.array else { throw malformed("`allow_products` must be a list of product names") }
            var products = Set<SEVSNPProduct>()
            for element in array {
                guard let name = element.string, let product = SEVSNPProduct(policyName: name) else {
                    throw malformed(
                        "`allow_products` names \(element.string.map { "\"\($0)\"" } ?? "a non-string"); "
                            + "known products are Milan, Genoa and Turin")
                }
                products.insert(product)
            }
            // Listing fewer products tightens. Naming a product the shipped policy refuses for a
            // known break is the one loosening allowed, and every verdict then warns of it.
            policy.allowedProducts = PolicyRule(products, from: .policyFile)
        }

        if let value = table["require_smt_off"] {
            guard let required = value.bool else { throw malformed("`require_smt_off` must be true or false") }
            if base.requireNoSMT.value && !required {
                throw looser("require_smt_off", path: path, "the shipped policy requires SMT off")
            }
            if required { policy.requireNoSMT = PolicyRule(true, from: .policyFile) }
        }

        if let value = table["max_manifest_age_days"] {
            guard let days = value.int, days > 0, days <= 36_500 else {
                throw malformed("`max_manifest_age_days` must be a whole number of days from 1 to 36500")
            }
            let seconds = UInt64(days) * 86_400
            if let limit = base.maxManifestAgeSeconds.value, seconds > limit {
                throw looser(
                    "max_manifest_age_days", path: path, "the limit in force is \(limit / 86_400) days")
            }
            policy.maxManifestAgeSeconds = PolicyRule(seconds, from: .policyFile)
        }

        if let value = table["tdx_accept_tcb_status"] {
            let known = TDXPolicy.acceptable.map(\.description).joined(separator: ", ")
            guard let array = value.array else {
                throw malformed("`tdx_accept_tcb_status` must be a list of TCB statuses (\(known))")
            }
            var statuses = Set<TDXTCBStatus>()
            for element in array {
                guard let name = element.string, TDXPolicy.acceptable.contains(TDXTCBStatus(name)) else {
                    let named = element.string.map { "\"\($0)\"" } ?? "a non-string"
                    throw malformed(
                        "`tdx_accept_tcb_status` names \(named); only \(known) can be accepted (UpToDate always is; "
                            + "OutOfDate, Revoked and unknown statuses never are)")
                }
                statuses.insert(TDXTCBStatus(name))
            }
            // Like naming Milan: a loosening the user may choose, shown with every verdict (each
            // accepted level's advisories are named).
            policy.tdxAcceptedStatuses = PolicyRule(statuses, from: .policyFile)
        }

        if let value = table["minimum_tcb"] {
            guard let products = value.table else {
                throw malformed("`minimum_tcb` must be a table of products, e.g. [minimum_tcb.genoa]")
            }
            for name in products.keys.sorted() {
                guard let product = SEVSNPProduct(policyName: name) else {
                    throw malformed("`minimum_tcb.\(name)`: known products are milan, genoa and turin")
                }
                guard let floor = products[name]?.table else {
                    throw malformed("`minimum_tcb.\(name)` must be a table of components")
                }
                let shipped = base.minimumTCB[product]?.value ?? .none
                var values = [String: UInt8]()
                for component in floor.keys.sorted() {
                    guard components.contains(component) else {
                        throw malformed(
                            "`minimum_tcb.\(name).\(component)`: components are "
                                + components.sorted().joined(separator: ", "))
                    }
                    guard let number = floor[component]?.int, (0...255).contains(number) else {
                        throw malformed("`minimum_tcb.\(name).\(component)` must be a whole number from 0 to 255")
                    }
                    values[component] = UInt8(number)
                }
                let chosen = SEVSNPReport.MinimumTCB(
                    fmc: values["fmc"] ?? shipped.fmc, bootloader: values["bootloader"] ?? shipped.bootloader,
                    tee: values["tee"] ?? shipped.tee, snp: values["snp"] ?? shipped.snp,
                    microcode: values["microcode"] ?? shipped.microcode)
                if let low = chosen.firstComponentLooser(than: shipped) {
                    throw looser(
                        "minimum_tcb.\(name).\(low.name)", path: path,
                        "\(low.value) is below the shipped minimum \(low.floor) for \(product.name)")
                }
                if chosen != shipped { policy.minimumTCB[product] = PolicyRule(chosen, from: .policyFile) }
            }
        }
        return policy
    }

    private static func looser(_ rule: String, path: String, _ why: String) -> PolicyFileError {
        PolicyFileError(
            .looser,
            "\(path): `\(rule)` would loosen the attestation policy (\(why)); policy.toml can only tighten it. "
                + "Raise the value or remove the rule")
    }
}

/// Why the attestation policy file was refused.
public typealias PolicyFileError = CodedError<PolicyFileErrorCode>

/// Stable identifiers of `PolicyFileError`.
public enum PolicyFileErrorCode: String, StableErrorCode {
    /// The file is not valid TOML, or a rule has the wrong type or an unknown name.
    case malformed = "SOTTO-POLICY-FILE"
    /// A rule would loosen the shipped policy.
    case looser = "SOTTO-POLICY-LOOSER"
}
