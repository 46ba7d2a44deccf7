import ArgumentParser
import Foundation
import Server
import Wire

/// What the server runs: the model backend and the settings that go into its measurement.
struct ModelOptions: ParsableArguments {
    @Option(help: "A llama-architecture GGUF model file for the embedded engine.", completion: .file())
    var model: String?

    @Option(
        help:
            "An OpenAI-compatible model server inside the TEE: http://127.0.0.1:PORT or http+unix://%2Fpath%2Fto.sock.")
    var upstream: String?

    @Option(help: "The model name to request from --upstream.")
    var upstreamModel = "default"

    func validate() throws {
        if model != nil && upstream != nil {
            throw ValidationError("choose one model: --model PATH or --upstream URL, not both")
        }
    }

    /// The canonical bytes of the effective configuration, hashed into the measurement:
    /// sorted-key JSON of every setting that changes what the server does with a prompt.
    func configurationBytes() throws -> [UInt8] {
        var settings: [String: String] = ["protocol": "\(Wire.protocolVersion)"]
        if let upstream {
            settings["backend"] = "openai-compatible"
            settings["upstream"] = upstream
            settings["upstream_model"] = upstreamModel
        } else {
            settings["backend"] = "embedded"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(settings))
    }

    /// Where these options send decrypted prompts, as the attestation binds it
    /// (docs/PROTOCOL.md §1): `modelName` and `modelSHA256` are the model file's (ignored
    /// with --upstream).
    func configuration(modelName: String, modelSHA256: [UInt8]?) -> ServerConfiguration {
        if let upstream {
            return ServerConfiguration(
                backend: .openAICompatible, upstream: OpenAICompatibleBackend.normalized(baseURL: upstream),
                model: upstreamModel, modelSHA256: "")
        }
        return ServerConfiguration(
            backend: .embedded, upstream: "", model: modelName, modelSHA256: modelSHA256.map(Hex.encode) ?? "")
    }

    /// The configuration these options describe without loading the model: its name is read
    /// from the file's metadata, its digest taken from `measurement`.
    func configuration(measurement: LaunchMeasurement) throws -> ServerConfiguration {
        guard let model else { return configuration(modelName: "", modelSHA256: nil) }
        let name: String
        do {
            name = try EmbeddedLlamaBackend.modelName(path: model)
        } catch {
            throw ValidationError("cannot read the model name from \(model): \(error)")
        }
        return configuration(modelName: name, modelSHA256: measurement.modelSHA256)
    }

    /// The backend these options describe.
    func makeBackend() throws -> any InferenceBackend {
        if let upstream {
            guard ["http://", "https://", "http+unix://", "https+unix://"].contains(where: upstream.hasPrefix) else {
                throw ValidationError("--upstream must be an http(s) or http+unix URL, got \(upstream)")
            }
            return OpenAICompatibleBackend(baseURL: upstream, modelName: upstreamModel)
        }
        if let model {
            do {
                return try EmbeddedLlamaBackend(path: model)
            } catch {
                throw ValidationError("cannot serve \(model): \(error)")
            }
        }
        throw ValidationError(
            "choose a model: --model PATH (embedded engine) or --upstream URL (OpenAI-compatible server)")
    }

    /// Measures this server with these settings (development mode's definition, docs/PROTOCOL.md).
    func measure() throws -> LaunchMeasurement {
        try LaunchMeasurement.measure(
            executable: LaunchMeasurement.runningExecutable, model: model.map { URL(fileURLWithPath: $0) },
            configuration: try configurationBytes())
    }
}

/// Where the server keeps its files.
struct DataOptions: ParsableArguments {
    @Option(help: "The server's data folder (default: $XDG_DATA_HOME/sotto-server).", completion: .directory)
    var dataDir: String?

    func folder() throws -> URL {
        if let dataDir { return URL(fileURLWithPath: dataDir) }
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("sotto-server")
        }
        guard let home = env["HOME"], home.hasPrefix("/") else {
            throw ValidationError("cannot tell where to keep files: set HOME or pass --data-dir")
        }
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/sotto-server")
    }
}

/// The version this server reports in its manifests.
let serverVersion = "0.1.0-dev"
