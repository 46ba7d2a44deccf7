import ArgumentParser
import Server

@main
struct SottoServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sotto-server",
        abstract: "The Sotto inference server: attestation and the encrypted chat gateway.",
        discussion: """
            Runs inside a confidential VM (AMD SEV-SNP, Intel TDX) and proves by remote \
            attestation which code and model it runs. `serve --dev` simulates attestation for \
            development on any machine.
            """,
        version: "sotto-server \(serverVersion)",
        subcommands: [
            ServeCommand.self, ManifestCommand.self, MeasureCommand.self, GenerateCommand.self, BenchCommand.self,
            DevCommand.self,
        ]
    )
}
