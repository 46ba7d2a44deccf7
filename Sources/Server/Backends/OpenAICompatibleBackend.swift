import AsyncHTTPClient
import Foundation
import NIOCore
import Wire

/// Forwards chat turns to an OpenAI-style `/v1/chat/completions` endpoint with streaming
/// (server-sent events): vLLM, llama.cpp's server or Ollama running inside the same TEE,
/// reached over loopback. The decrypted conversation never leaves the TEE.
public struct OpenAICompatibleBackend: InferenceBackend {
    public let baseURL: String
    public let modelName: String
    let client: HTTPClient
    let timeout: TimeAmount

    /// - Parameters:
    ///   - baseURL: e.g. `http://127.0.0.1:8000` (the `/v1/...` paths are appended).
    ///   - modelName: the model to request (and to show users).
    public init(
        baseURL: String, modelName: String, client: HTTPClient = Self.sharedClient, timeout: TimeAmount = .seconds(600)
    ) {
        self.baseURL = Self.normalized(baseURL: baseURL)
        self.modelName = modelName
        self.client = client
        self.timeout = timeout
    }

    /// The base URL as requests use it (no trailing slash), and as the configuration names it.
    public static func normalized(baseURL: String) -> String {
        baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// One client for the process (never shut down, so never deinitialised). The upstream is
    /// on loopback: a refused connection fails at once instead of being retried until the
    /// request's deadline, and connecting may take at most 5 seconds.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    struct Body: Encodable {
        struct Message: Encodable {
            let role: String
            let content: String
        }
        struct StreamOptions: Encodable {
            let include_usage = true
        }
        let model: String
        let messages: [Message]
        let stream = true
        let stream_options = StreamOptions()
        let max_tokens: Int?
        /// vLLM's way to go on from the last assistant message (`ChatRequest.continuesLast`).
        let continue_final_message: Bool?
        let add_generation_prompt: Bool?
        let temperature: Double?
        let top_p: Double?
        let top_k: Int?
        let min_p: Double?
        let repeat_penalty: Double?
        let seed: UInt64?
    }

    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable {
                let content: String?
            }
            let delta: Delta?
            let finish_reason: String?
        }
        struct Usage: Decodable {
            let prompt_tokens: Int?
            let completion_tokens: Int?
        }
        let choices: [Choice]?
        let usage: Usage?
    }

    func makeBody(_ request: ChatRequest) throws -> [UInt8] {
        let s = request.sampling
        let body = Body(
            model: modelName, messages: request.messages.map { .init(role: $0.role.rawValue, content: $0.content) },
            max_tokens: request.maxTokens, continue_final_message: request.continuesLast == true ? true : nil,
            add_generation_prompt: request.continuesLast == true ? false : nil, temperature: s?.temperature,
            top_p: s?.topP, top_k: s?.topK, min_p: s?.minP,
            repeat_penalty: s?.repeatPenalty, seed: s?.seed)
        return Array(try JSONEncoder().encode(body))
    }

    public func generate(_ request: ChatRequest) async throws -> AsyncThrowingStream<BackendEvent, any Error> {
        var http = HTTPClientRequest(url: baseURL + "/v1/chat/completions")
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: "text/event-stream")
        http.body = .bytes(try makeBody(request))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(http, timeout: timeout)
        } catch {
            throw BackendError(.upstream, "the upstream model server at \(baseURL) cannot be reached")
        }
        if response.status.code != 200 {
            // Drain the error body so the connection returns to the pool instead of hanging open.
            _ = try? await response.body.collect(upTo: 64 * 1024)
        }
        switch response.status.code {
        case 200: break
        case 429, 503:
            throw BackendError(.busy, "the upstream model server is busy", retryAfterSeconds: 5)
        default:
            throw BackendError(.upstream, "the upstream model server answered HTTP \(response.status.code)")
        }
        let body = response.body
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = ServerSentEventParser()
                var usage: (Int, Int)?
                var reason: FinishReason?
                var produced = 0
                do {
                    for try await buffer in body {
                        for data in parser.feed(Array(buffer: buffer)) {
                            if data == "[DONE]" { break }
                            guard let chunk = try? JSONDecoder().decode(Chunk.self, from: Data(data.utf8)) else {
                                throw BackendError(
                                    .upstream, "the upstream model server sent an event that is not a completion chunk")
                            }
                            for choice in chunk.choices ?? [] {
                                if let text = choice.delta?.content, !text.isEmpty {
                                    produced += 1
                                    continuation.yield(.token(text))
                                }
                                if let r = choice.finish_reason { reason = r == "length" ? .length : .stop }
                            }
                            if let u = chunk.usage { usage = (u.prompt_tokens ?? 0, u.completion_tokens ?? produced) }
                        }
                    }
                    guard let reason else {
                        throw BackendError(.upstream, "the upstream answer ended without a finish reason")
                    }
                    continuation.yield(
                        .finished(reason: reason, promptTokens: usage?.0 ?? 0, completionTokens: usage?.1 ?? produced))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: Task.isCancelled ? CancellationError() : error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Splits a `text/event-stream` body into the `data:` payloads of its events, across
/// arbitrary chunk boundaries (a UTF-8 character may be split between two chunks).
struct ServerSentEventParser {
    private var pending: [UInt8] = []
    private var data: [String] = []

    /// Returns the payloads of the events completed by `bytes`.
    mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending += bytes
        var events = [String]()
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data = []
                continue
            }
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("data:") {
                var value = text.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(String(value))
            }
            // Comments (":") and other fields (event, id, retry) carry nothing we use.
        }
        return events
    }
}
