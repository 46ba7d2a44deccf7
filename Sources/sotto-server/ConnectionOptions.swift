import ArgumentParser
import Server

/// The limits of `serve` that keep it answering under load (docs/PROTOCOL.md §2, "Limits").
struct ConnectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "MiB of request bodies held in memory at once, across all clients; past it requests get 503 (default 256).",
            valueName: "mib"))
    var bodyMemoryBudget = RequestBodyBudget.defaultBytes >> 20

    @Option(
        help: ArgumentHelp(
            "Seconds a connection may take to send a request's head (default 10).", valueName: "seconds"))
    var headerTimeout = ServerLimits().headerTimeoutSeconds

    @Option(
        help: ArgumentHelp(
            "Seconds a request may go without sending a byte of its body (default 60).", valueName: "seconds"))
    var idleTimeout = ServerLimits().idleTimeoutSeconds

    @Option(
        help: ArgumentHelp(
            "Most connections open at once (default: the descriptor limit less a reserve).", valueName: "n"))
    var maxConnections: Int?

    func validate() throws {
        // The largest body a route reads must fit, or that route could never succeed.
        let largest = max(RecordService.defaultMaximumPushBodyBytes, 16 << 20) >> 20
        guard bodyMemoryBudget >= largest else {
            throw ValidationError("--body-memory-budget must be at least \(largest) (MiB): the largest request body")
        }
        guard bodyMemoryBudget <= 1 << 20 else { throw ValidationError("--body-memory-budget is in MiB") }
        guard (1...600).contains(headerTimeout), (1...3600).contains(idleTimeout) else {
            throw ValidationError("--header-timeout must be 1 to 600 seconds, --idle-timeout 1 to 3600")
        }
        if let maxConnections, maxConnections < 8 {
            throw ValidationError("--max-connections must be at least 8")
        }
    }

    /// The limits these options give.
    var limits: ServerLimits {
        ServerLimits(
            bodyMemoryBudgetBytes: bodyMemoryBudget << 20, headerTimeoutSeconds: headerTimeout,
            idleTimeoutSeconds: idleTimeout, maximumConnections: maxConnections)
    }
}
