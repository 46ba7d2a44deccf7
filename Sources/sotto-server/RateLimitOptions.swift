import ArgumentParser
import Server

/// The per-address request limits of `serve` (docs/PROTOCOL.md §2): chat turns, attestation
/// requests and ceremony begins.
struct RateLimitOptions: ParsableArguments {
    @Option(
        name: .customLong("rate-limit"),
        help: ArgumentHelp(
            """
            Requests one client address may make per minute, as KIND=N (burst N, then N a \
            minute); KIND is chat, attestation or ceremony. Repeat for several. Defaults: \
            chat=60, attestation=60, ceremony=30.
            """, valueName: "kind=n"))
    var rateLimits: [String] = []

    func validate() throws { _ = try limits() }

    /// The defaults with the given overrides.
    func limits() throws -> RequestRateLimits {
        var limits = RequestRateLimits()
        for text in rateLimits {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = RequestRateLimits.Kind(rawValue: parts[0]), let count = Int(parts[1]),
                count >= 1
            else {
                throw ValidationError(
                    "--rate-limit \(text) is not KIND=N with KIND chat, attestation or ceremony and N at least 1")
            }
            limits[kind] = RequestRateLimits.Bucket(burst: count, perMinute: Double(count))
        }
        return limits
    }
}
