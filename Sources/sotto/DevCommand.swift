import ArgumentParser

/// `sotto dev …`: tools for developers and auditors.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Developer tools: protocol test vectors and benchmarks.",
        subcommands: [NoiseVectorsCommand.self, Bench.self, TUIDemoCommand.self]
    )
}

/// `sotto dev bench …`.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (build with -c release for meaningful figures).",
        subcommands: [CryptoBenchCommand.self, TUIBenchCommand.self, HistoryBenchCommand.self]
    )
}
