import Foundation
import Wire

/// Where a rule of the attestation policy in force came from.
public enum PolicySource: String, Sendable, Hashable, Codable {
    /// Built into this client (`SEVSNPPolicy.shipped`).
    case shipped
    /// Raised by the server's signed release manifest.
    case manifest
    /// The user's `policy.toml`.
    case policyFile = "policy.toml"
}

/// One rule's value and where it came from.
public struct PolicyRule<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var source: PolicySource

    public init(_ value: Value, from source: PolicySource) {
        self.value = value
        self.source = source
    }
}

/// The attestation policy the client enforces: the shipped floor, tightened by the user's
/// `policy.toml` and raised by the server's signed manifest, each rule remembering its source
/// so `sotto verify` can say why it holds. Nothing here can lower a shipped minimum.
public struct VerificationPolicy: Sendable, Hashable {
    /// Minimum TCB per product.
    public var minimumTCB: [SEVSNPProduct: PolicyRule<SEVSNPReport.MinimumTCB>]
    /// Products accepted at all.
    public var allowedProducts: PolicyRule<Set<SEVSNPProduct>>
    /// Refuse a host or guest with SMT on.
    public var requireNoSMT: PolicyRule<Bool>
    /// Refuse a release manifest issued longer ago than this many seconds; nil is no limit.
    public var maxManifestAgeSeconds: PolicyRule<UInt64?>
    /// Intel TDX TCB statuses accepted besides UpToDate (only those of `TDXPolicy.acceptable`).
    public var tdxAcceptedStatuses: PolicyRule<Set<TDXTCBStatus>> = PolicyRule([], from: .shipped)

    /// The policy built into the client.
    public static let shipped: VerificationPolicy = {
        let snp = SEVSNPPolicy.shipped
        return VerificationPolicy(
            minimumTCB: snp.minimumTCB.mapValues { PolicyRule($0, from: .shipped) },
            allowedProducts: PolicyRule(snp.allowedProducts, from: .shipped),
            requireNoSMT: PolicyRule(snp.requireNoSMT, from: .shipped),
            maxManifestAgeSeconds: PolicyRule(nil, from: .shipped))
    }()

    /// The platform checks of this policy, for `SEVSNPVerifier` (debug off, VMPL 0).
    public var snp: SEVSNPPolicy {
        SEVSNPPolicy(
            requireNoSMT: requireNoSMT.value, minimumTCB: minimumTCB.mapValues(\.value),
            allowedProducts: allowedProducts.value)
    }

    /// The TDX checks of this policy, for `TDXVerifier` (debug TDs are always refused).
    public var tdx: TDXPolicy { TDXPolicy(acceptedStatuses: tdxAcceptedStatuses.value) }

    /// This policy with the floors a signed manifest names raised into it. Unknown product
    /// names are ignored: a newer release may name a product this build does not know.
    public func raised(by manifest: ReleaseManifest) -> VerificationPolicy {
        var policy = self
        for (name, floor) in manifest.minimumTCB ?? [:] {
            guard let product = SEVSNPProduct(policyName: name) else { continue }
            let current = policy.minimumTCB[product]?.value ?? .none
            let raised = current.raised(to: floor)
            if raised != current { policy.minimumTCB[product] = PolicyRule(raised, from: .manifest) }
        }
        return policy
    }

    /// One rule as `sotto verify` shows it.
    public struct Entry: Sendable, Hashable, Codable {
        public var rule: String
        public var value: String
        public var source: PolicySource
    }

    /// Every rule with its value and source, in a fixed order.
    public var entries: [Entry] {
        var entries = [Entry]()
        let allowed = SEVSNPProduct.allCases.filter { allowedProducts.value.contains($0) }.map(\.name)
        entries.append(
            Entry(
                rule: "allowed products", value: allowed.isEmpty ? "none" : allowed.joined(separator: ", "),
                source: allowedProducts.source))
        for product in SEVSNPProduct.allCases {
            guard let rule = minimumTCB[product] else { continue }
            entries.append(
                Entry(
                    rule: "minimum TCB \(product.name)", value: rule.value.description(for: product),
                    source: rule.source))
        }
        entries.append(
            Entry(rule: "require SMT off", value: requireNoSMT.value ? "yes" : "no", source: requireNoSMT.source))
        entries.append(
            Entry(
                rule: "maximum manifest age",
                value: maxManifestAgeSeconds.value.map { "\($0 / 86_400) days" } ?? "no limit",
                source: maxManifestAgeSeconds.source))
        let tdxStatuses =
            [TDXTCBStatus.upToDate] + TDXPolicy.acceptable.filter { tdxAcceptedStatuses.value.contains($0) }
        entries.append(
            Entry(
                rule: "TDX TCB statuses accepted", value: tdxStatuses.map(\.description).joined(separator: ", "),
                source: tdxAcceptedStatuses.source))
        return entries
    }

    /// "rule: value (source)" per rule: what `sotto verify` prints.
    public var lines: [String] {
        entries.map { "\($0.rule): \($0.value) (\($0.source.rawValue))" }
    }
}
