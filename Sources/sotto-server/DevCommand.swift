import ArgumentParser

/// `sotto-server dev …`: tools for developers and auditors.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Developer tools: check WebAuthn ceremonies offline.",
        subcommands: [WebAuthnVerifyCommand.self]
    )
}
