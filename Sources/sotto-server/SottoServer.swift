import ArgumentParser
import Server

@main
struct SottoServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sotto-server",
        abstract: "The Sotto inference server: attestation, the encrypted chat gateway, accounts and the record store.",
        discussion: """
            The server commands (serve, manifest, generate, bench) arrive with the gateway and \
            the inference engine; this build carries the foundation only.
            """,
        version: "sotto-server 0.1.0-dev"
    )

    @Option(help: "Address to listen on, HOST:PORT (loopback by default).")
    var listen: String = ListenAddress.default.description

    func validate() throws {
        do {
            _ = try ListenAddress(parsing: listen)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        print("sotto-server: nothing to serve yet in this build; see `sotto-server --help`.")
    }
}
