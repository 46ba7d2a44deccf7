/// Everything about a running server that decides where a decrypted prompt goes: which kind
/// of backend answers, the upstream it forwards to, the model it asks for and the model file
/// it runs. Its digest is bound into every attestation report (`KeyBinding`) and a release
/// manifest names the digests it allows, so an operator cannot boot the measured image and
/// point it somewhere else (docs/PROTOCOL.md §1, "Configuration").
public struct ServerConfiguration: Codable, Hashable, Sendable {
    /// The kind of backend that receives the decrypted conversation.
    public enum Backend: String, Codable, Hashable, Sendable, CaseIterable {
        /// The embedded engine, in the server's own process.
        case embedded
        /// An OpenAI-compatible server inside the same guest (vLLM, llama.cpp, Ollama).
        case openAICompatible = "openai-compatible"
    }

    /// The domain separator that starts the digested bytes.
    public static let label = "sotto/configuration/v1"

    public var backend: Backend
    /// The upstream's base URL as the server uses it; empty for the embedded engine.
    public var upstream: String
    /// The model name the server requests from the upstream or reports for its model file.
    public var model: String
    /// SHA-256 of the model file, lower-case hex; empty when the server runs no model file.
    public var modelSHA256: String

    public init(backend: Backend, upstream: String, model: String, modelSHA256: String) {
        self.backend = backend
        self.upstream = upstream
        self.model = model
        self.modelSHA256 = modelSHA256
    }

    enum CodingKeys: String, CodingKey {
        case backend, upstream, model
        case modelSHA256 = "model_sha256"
    }

    /// The digested bytes: the label, then each field as u32(UTF-8 length) ‖ UTF-8, in the
    /// order backend, upstream, model, model_sha256. Length prefixes keep field boundaries
    /// unambiguous without any JSON canonicalisation.
    public func canonicalBytes() -> [UInt8] {
        var bytes = Array(Self.label.utf8)
        for field in [backend.rawValue, upstream, model, modelSHA256] {
            let utf8 = Array(field.utf8)
            let count = UInt32(truncatingIfNeeded: utf8.count)
            bytes += (0..<4).map { UInt8(truncatingIfNeeded: count >> (24 - 8 * UInt32($0))) }
            bytes += utf8
        }
        return bytes
    }

    /// SHA-256 of `canonicalBytes()`: the 32 bytes REPORT_DATA binds.
    public var digest: [UInt8] { HashFunction.sha256.hash(canonicalBytes()) }

    /// The digest in lower-case hex, as a release manifest lists it.
    public var digestHex: String { Hex.encode(digest) }

    /// One line for people: what the digest covers.
    public var summary: String {
        switch backend {
        case .embedded:
            "embedded engine, model \(model), model file SHA-256 \(modelSHA256.isEmpty ? "none" : modelSHA256)"
        case .openAICompatible:
            "OpenAI-compatible upstream \(upstream), model \(model)"
        }
    }
}
