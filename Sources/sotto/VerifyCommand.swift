import ArgumentParser
import Core
import Foundation
import Wire

/// `sotto verify`: attest the server and show every check.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify by remote attestation what the server runs, and show each check.",
        discussion: """
            Fetches fresh evidence (with a new nonce), checks it against AMD's roots for SEV-SNP \
            or Intel's for TDX, with the collateral the server serves (or, with --dev, the \
            development root), the platform policy, the signed release manifest and the key \
            binding, and records the verdict in the audit log. Exit status 0 only when every \
            check passes.

            Prints the attestation policy in force and where each rule came from: shipped with \
            sotto, raised by the server's signed manifest, or set in policy.toml in the \
            configuration folder (allow_products, require_smt_off, max_manifest_age_days, \
            [minimum_tcb.<product>], tdx_accept_tcb_status).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let client = try global.makeClient()
        let localPolicy = try global.attestationPolicy()
        do {
            let server = try await client.verify()
            if json {
                try printJSON(
                    verdict: "trusted", steps: server.steps, server: server, policy: server.policy, error: nil)
            } else {
                printSteps(server.steps)
                printPolicy(server.policy)
                for warning in server.warnings { print("WARNING: \(warning)") }
                if server.simulated { print("WARNING: \(simulatedLabel)") }
                print("configuration: \(server.configuration.digestHex) — \(server.configuration.summary)")
                print(
                    "verdict: TRUSTED — \(server.platform.rawValue) \(server.product), measurement \(server.measurement.prefix(16))…, release \(server.manifest.version)"
                )
            }
        } catch ClientError.verificationFailed(let failure) {
            if json {
                try printJSON(
                    verdict: "refused", steps: failure.steps, server: nil, policy: localPolicy,
                    error: failure.description)
            } else {
                printSteps(failure.steps)
                printPolicy(localPolicy)
                if global.dev { print("(\(simulatedLabel))") }
                print("verdict: REFUSED — \(failure.description)")
            }
            printError("sotto: verification failed: \(failure.description)")
            throw ExitCode(1)
        } catch {
            printError("sotto: \(errorText(error))")
            throw ExitCode(1)
        }
    }

    private func printSteps(_ steps: [VerificationStep]) {
        for step in steps {
            print("\(step.outcome == .passed ? "ok  " : "FAIL") \(step.name): \(step.detail)")
        }
    }

    private func printPolicy(_ policy: VerificationPolicy) {
        print("policy:")
        for line in policy.lines { print("  \(line)") }
    }

    private func printJSON(
        verdict: String, steps: [VerificationStep], server: VerifiedServer?, policy: VerificationPolicy,
        error: String?
    ) throws {
        struct Configuration: Encodable {
            let digest: String
            let covers: ServerConfiguration
        }
        struct Output: Encodable {
            let verdict: String
            let simulated: Bool
            let label: String?
            let platform: String?
            let product: String?
            let measurement: String?
            let release: String?
            let securityVersion: UInt64?
            let manifestExpiresAt: UInt64?
            let configuration: Configuration?
            let steps: [VerificationStep]
            let policy: [VerificationPolicy.Entry]
            let warnings: [String]
            let error: String?
        }
        let simulated = server?.simulated ?? global.dev
        let output = Output(
            verdict: verdict, simulated: simulated, label: simulated ? simulatedLabel : nil,
            platform: server?.platform.rawValue, product: server?.product, measurement: server?.measurement,
            release: server?.manifest.version, securityVersion: server?.manifest.securityVersion,
            manifestExpiresAt: server?.manifest.expiresAt,
            configuration: server.map { Configuration(digest: $0.configuration.digestHex, covers: $0.configuration) },
            steps: steps, policy: policy.entries, warnings: server?.warnings ?? [], error: error)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        print(TerminalSafeText(json: try encoder.encode(output)))
    }
}
