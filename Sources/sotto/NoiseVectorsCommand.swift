import ArgumentParser
import Foundation
import Wire

/// `sotto dev noise-vectors FILE`.
struct NoiseVectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noise-vectors",
        abstract: "Run Noise test vectors (Noise wiki JSON format) against this build's Noise engine.",
        discussion: """
            Prints one line per failing vector, then `N passed, M failed, K skipped`. A vector is \
            skipped only when it needs a primitive this build lacks (X448) or the obsolete \
            pre-rev-31 PSK scheme; the line names the reason. Exit status 1 on any failure.
            """
    )

    @Argument(help: "A JSON file of the form {\"vectors\": [...]}.", completion: .file())
    var file: String

    @Flag(help: "Also list skipped vectors with their reason.")
    var verbose = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file): no such file or not readable")
        }
        let results: [NoiseTestVectors.Result]
        do {
            results = try NoiseTestVectors.run(data)
        } catch {
            throw ValidationError(
                "\(file) is not a Noise vector file ({\"vectors\": [...]}): \(error.localizedDescription)")
        }
        var skipReasons = [String: Int]()
        for r in results {
            switch r.outcome {
            case .failed(let reason): print("FAIL #\(r.index) \(r.name): \(reason)")
            case .skipped(let reason):
                skipReasons[reason, default: 0] += 1
                if verbose { print("skip #\(r.index) \(r.name): \(reason)") }
            case .passed: break
            }
        }
        for (reason, count) in skipReasons.sorted(by: { $0.key < $1.key }) {
            print("skipped \(count): \(reason)")
        }
        let summary = NoiseTestVectors.summarize(results)
        print(summary)
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
