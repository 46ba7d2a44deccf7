import Foundation
import TestSupport
import Testing

/// `sotto-server serve --rate-limit`, as an operator types it.
@Suite struct ServeRateLimitOptionTests {
    @Test func helpNamesTheOptionAndBadValuesAreRefused() throws {
        let help = try Executables.run("sotto-server", ["serve", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--rate-limit"))
        for bad in ["chat", "chat=0", "chat=-1", "dinner=5", "ceremony=many"] {
            let result = try Executables.run("sotto-server", ["serve", "--dev", "--rate-limit", bad])
            #expect(result.status == 64, "\(bad)")
            #expect(result.stderr.contains("--rate-limit \(bad) is not KIND=N"), "\(bad): \(result.stderr)")
        }
    }
}
