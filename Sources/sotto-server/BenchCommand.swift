import ArgumentParser
import Foundation
import Inference

/// `sotto-server bench`: the embedded engine's prompt and generation speed.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the embedded engine's prompt and generation speed on a model.",
        discussion: """
            Like llama-bench's pp128 and tg64: tokens per second for a 128-token prompt and \
            for 64 generated tokens (greedy, end-of-sequence ignored), the median of --runs \
            runs. Build with -c release: debug builds are many times slower. Then the peak \
            resident size against the budget: model file + key/value cache + 64 MiB.
            """
    )

    static let promptLength = 128
    static let generatedLength = 64

    @Option(help: "A llama-architecture GGUF model file.", completion: .file())
    var model: String

    @Option(help: "Threads for the model (default: one per core).")
    var threads: Int?

    @Option(help: "Runs to take the median of.")
    var runs = 5

    @Option(help: "Context positions to allocate the key/value cache for (default: the server's, up to 4096).")
    var context: Int?

    func validate() throws {
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let context, context < Self.promptLength + Self.generatedLength + 1 {
            throw ValidationError("--context must be at least \(Self.promptLength + Self.generatedLength + 1)")
        }
    }

    func run() throws {
        let (file, generator) = try LocalModel.load(model, threads: threads, contextLimit: context)
        let prompt = try Self.prompt(generator.tokenizer)
        // One more token than measured: the last sampled token is never fed back, so 65 samples make exactly
        // 64 model steps after the prompt.
        let options = GenerationOptions(maxTokens: Self.generatedLength + 1, ignoresEndOfSequence: true)
        var promptRates: [Double] = []
        var generationRates: [Double] = []
        for _ in 0..<runs {
            let result = try generator.generate(promptTokens: prompt, options: options)
            promptRates.append(Double(prompt.count) / LocalModel.seconds(result.promptDuration))
            let steps = max(result.tokens.count - 1, 0)
            generationRates.append(Double(steps) / LocalModel.seconds(result.generationDuration))
        }
        let name = (try? file.metadata.string("general.name")) ?? URL(fileURLWithPath: model).lastPathComponent
        let threadText = threads.map { "\($0) threads" } ?? "default threads"
        print("model \(name), \(threadText), median of \(runs) run\(runs == 1 ? "" : "s")")
        print(Self.row("test", "tokens", "median t/s", "min t/s", "max t/s"))
        print(Self.row(promptRates, test: "pp\(Self.promptLength)", tokens: Self.promptLength))
        print(Self.row(generationRates, test: "tg\(Self.generatedLength)", tokens: Self.generatedLength))
        let mebibyte = 1024.0 * 1024
        let fileBytes = Double((try? FileManager.default.attributesOfItem(atPath: model)[.size] as? Int) ?? 0)
        let cacheBytes = Double(generator.cacheByteCount)
        let budget = fileBytes + cacheBytes + 64 * mebibyte
        let peak = Double(Self.peakResidentBytes())
        print(
            String(
                format: "memory: peak resident %.1f MiB; budget %.1f MiB = model file %.1f + KV cache %.1f (%d "
                    + "positions) + 64; %@",
                peak / mebibyte, budget / mebibyte, fileBytes / mebibyte, cacheBytes / mebibyte,
                generator.contextCapacity, peak <= budget ? "within" : "OVER"))
    }

    /// The process's peak resident set size, from getrusage (kilobytes on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    /// A fixed English prompt of exactly ``promptLength`` tokens, starting with BOS when the model wants one.
    static func prompt(_ tokenizer: Tokenizer) throws -> [Int] {
        let text = String(repeating: "The quick brown fox jumps over the lazy dog near the quiet river. ", count: 64)
        let tokens = tokenizer.encode(text, addSpecial: true)
        guard tokens.count >= promptLength else {
            throw CommandFailure("the benchmark prompt encodes to only \(tokens.count) tokens with this tokenizer")
        }
        return Array(tokens.prefix(promptLength))
    }

    static func row(_ rates: [Double], test: String, tokens: Int) -> String {
        let sorted = rates.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        func format(_ value: Double) -> String { String(format: "%.2f", value) }
        return row(test, "\(tokens)", format(median), format(sorted[0]), format(sorted[sorted.count - 1]))
    }

    static func row(_ columns: String...) -> String {
        let widths = [8, 8, 12, 12, 12]
        return zip(columns, widths).enumerated().map { index, pair in
            let padding = String(repeating: " ", count: max(pair.1 - pair.0.count, 0))
            return index == 0 ? pair.0 + padding : padding + pair.0
        }.joined(separator: " ")
    }
}
