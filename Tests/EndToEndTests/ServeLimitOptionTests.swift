import Foundation
import TestSupport
import Testing

/// `sotto-server serve`'s load limits, as an operator types them.
@Suite struct ServeLimitOptionTests {
    @Test func helpNamesTheLimitsAndBadValuesAreRefused() throws {
        let help = try Executables.run("sotto-server", ["serve", "--help"])
        #expect(help.status == 0)
        for option in ["--body-memory-budget", "--header-timeout", "--idle-timeout", "--max-connections"] {
            #expect(help.stdout.contains(option), "\(option)")
        }
        let refusals: [([String], String)] = [
            (["--body-memory-budget", "8"], "--body-memory-budget must be at least 32"),
            (["--header-timeout", "0"], "--header-timeout must be 1 to 600 seconds"),
            (["--idle-timeout", "99999"], "--idle-timeout 1 to 3600"),
            (["--max-connections", "2"], "--max-connections must be at least 8"),
        ]
        for (arguments, message) in refusals {
            let result = try Executables.run("sotto-server", ["serve", "--dev"] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
