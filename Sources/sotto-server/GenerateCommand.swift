import ArgumentParser
import Foundation
import Inference

/// `sotto-server generate`: one completion from the embedded engine, streamed to standard output.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a local model, streaming it as it is produced.",
        discussion: """
            Wraps PROMPT in the model's chat template as a user message, or with --raw uses it \
            as-is (with the model's BOS token). Samples like llama.cpp's defaults (temperature \
            0.8, top-k 40, top-p 0.95, min-p 0.05) unless --greedy is given; the seed goes to \
            standard error so a run can be repeated with --seed. For trying a model by hand: \
            nothing here is attested or encrypted.
            """
    )

    @Option(help: "A llama-architecture GGUF model file.", completion: .file())
    var model: String

    @Flag(help: "Use the prompt as-is instead of the chat template.")
    var raw = false

    @Flag(help: "Always take the most likely token (temperature 0).")
    var greedy = false

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float?

    @Option(help: "Keep only the K most likely tokens (0: all).")
    var topK: Int?

    @Option(help: "Keep the most likely tokens up to this total probability (1: all).")
    var topP: Float?

    @Option(help: "Drop tokens less likely than this fraction of the most likely one (0: none).")
    var minP: Float?

    @Option(help: "Penalty for tokens among the last 64 (1: none).")
    var repeatPenalty: Float?

    @Option(help: "Seed for the random draws, to reproduce a run.")
    var seed: UInt64?

    @Option(name: [.customShort("n"), .long], help: "The most tokens to generate.")
    var maxTokens = 256

    @Option(help: "Threads for the model (default: one per core).")
    var threads: Int?

    @Argument(help: "The prompt.")
    var prompt: String

    func validate() throws {
        let sampling = [temperature != nil, topK != nil, topP != nil, minP != nil, repeatPenalty != nil, seed != nil]
        if greedy && sampling.contains(true) {
            throw ValidationError("--greedy takes no sampling options; drop it or drop the sampling options")
        }
        if let temperature, !(temperature >= 0 && temperature <= 100) {
            throw ValidationError("--temperature must be between 0 and 100")
        }
        if let topK, topK < 0 { throw ValidationError("--top-k must be 0 (off) or more") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be above 0 and at most 1") }
        if let minP, !(minP >= 0 && minP <= 1) { throw ValidationError("--min-p must be between 0 and 1") }
        if let repeatPenalty, !(repeatPenalty > 0 && repeatPenalty <= 10) {
            throw ValidationError("--repeat-penalty must be above 0 and at most 10")
        }
        if maxTokens < 1 { throw ValidationError("-n must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let (file, generator) = try LocalModel.load(model, threads: threads)
        var options = GenerationOptions(maxTokens: maxTokens)
        let tokens: [Int]
        if raw {
            tokens = generator.tokenizer.encode(prompt, parseSpecial: true, addSpecial: true)
        } else {
            do {
                let template = try ChatTemplate(metadata: file.metadata)
                tokens = try template.encode([ChatMessage(role: .user, content: prompt)], with: generator.tokenizer)
                if let endOfTurn = generator.tokenizer.specialTokenID(template.endOfTurn) {
                    options.stopTokens.insert(endOfTurn)
                }
            } catch {
                throw CommandFailure("\(error); pass --raw to use the prompt without a chat template")
            }
        }
        if !greedy {
            let chosenSeed = seed ?? UInt64.random(in: .min ... .max)
            options.temperature = temperature ?? 0.8
            options.topK = topK ?? 40
            options.topP = topP ?? 0.95
            options.minP = minP ?? 0.05
            options.repeatPenalty = repeatPenalty ?? 1
            options.seed = chosenSeed
            FileHandle.standardError.write(Data("seed \(chosenSeed)\n".utf8))
        }
        let result = try generator.generate(promptTokens: tokens, options: options) { text in
            // Straight to the file descriptor: the text appears as it is produced, even through a pipe.
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
        let seconds = LocalModel.seconds(result.generationDuration)
        let rate = seconds > 0 ? Double(result.tokens.count) / seconds : 0
        let summary =
            "\(result.promptTokenCount) prompt tokens, \(result.tokens.count) generated at "
            + "\(String(format: "%.1f", rate)) tokens/s, stopped: \(result.stopReason)\n"
        FileHandle.standardError.write(Data(summary.utf8))
    }
}

/// A command's failure: the underlying error's code and message, with what to do.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Loading a model for the local commands.
enum LocalModel {
    /// The model file at `path` and a generator for it.
    /// - Throws: ``CommandFailure`` carrying the GGUF, tokenizer or model error's code and message.
    static func load(_ path: String, threads: Int?, contextLimit: Int? = nil) throws -> (GGUFFile, Generator) {
        do {
            let file = try GGUFFile(path: path)
            return (file, try Generator(file: file, contextLimit: contextLimit, threads: threads))
        } catch {
            throw CommandFailure("cannot load the model \(path): \(error)")
        }
    }

    /// `duration` in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
