import Core
import Foundation
import Hummingbird
import Logging
import NIOCore
import Server
import ServerTesting
import Wire

// The encrypted chat path against plain HTTP to the same fast model, in one run:
//   - added latency per turn (8-token answers, attested key cached), median of many turns;
//   - streamed-token throughput (long answers), median of several runs.
// Build and run in release mode: swift run -c release GatewayBenchmark

/// A model that answers at once: the benchmark measures the path, not the model.
struct FastBackend: InferenceBackend {
    let modelName = "fast"

    func generate(_ request: ChatRequest) async throws -> AsyncThrowingStream<BackendEvent, any Error> {
        let count = request.maxTokens ?? 8
        return AsyncThrowingStream { continuation in
            for i in 0..<count { continuation.yield(.token(i % 2 == 0 ? "tok " : "en ")) }
            continuation.yield(.finished(reason: .stop, promptTokens: 3, completionTokens: count))
            continuation.finish()
        }
    }
}

/// The same turn in plaintext: JSON request in, each token as a u16-length-prefixed frame out.
func plainRoute(_ router: Router<BasicRequestContext>, backend: FastBackend) {
    router.post("/plain") { request, _ -> Response in
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let chat = try JSONDecoder().decode(ChatRequest.self, from: Data(buffer: body))
        let events = try await backend.generate(chat)
        return Response(
            status: .ok, headers: [.contentType: "application/octet-stream"],
            body: ResponseBody { writer in
                for try await event in events {
                    switch event {
                    case .token(let text):
                        let bytes = Array(text.utf8)
                        try await writer.write(
                            ByteBuffer(bytes: [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xff)] + bytes))
                    case .finished:
                        try await writer.write(ByteBuffer(bytes: [0, 0]))
                    case .progress:
                        break
                    }
                }
                try await writer.finish(nil)
            })
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

#if DEBUG
    print("warning: debug build; figures are meaningless. Use: swift run -c release GatewayBenchmark")
#endif

let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
let backend = FastBackend()

// The encrypted gateway with simulated attestation (the verification runs once, then the key is cached).
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let authority = try await DevelopmentAuthority.loadOrCreate(in: folder)
let measurement = try LaunchMeasurement(
    executableSHA256: [UInt8](repeating: 1, count: 32), modelSHA256: nil,
    configurationSHA256: [UInt8](repeating: 2, count: 32))
let configuration = ServerConfiguration(
    backend: .openAICompatible, upstream: "http://127.0.0.1:8000", model: backend.modelName, modelSHA256: "")
let manifest = try DevelopmentReleaseKey.loadOrCreate(in: folder).signManifest(
    for: measurement, configuration: configuration, version: "bench")
let gateway = Gateway(
    keys: ChannelKeyRing(clock: { UInt64(Date().timeIntervalSince1970) }),
    provider: DevelopmentSEVSNPProvider(authority: authority, measurement: measurement), backend: backend,
    manifest: manifest, configuration: configuration, logger: quiet)
let encryptedPort = try await ListeningApplication.start { onListening in
    ServerApplication.make(
        gateway: gateway, address: ListenAddress(host: "127.0.0.1", port: 0), logger: quiet,
        rateLimiter: ClientRateLimiter(limits: .unlimited), onListening: onListening)
}.port
let plainPort = try await ListeningApplication.start { onListening in
    let router = Router()
    plainRoute(router, backend: backend)
    return Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { onListening($0.localAddress?.port ?? 0) }, logger: quiet)
}.port

let transport = CurlHTTPClient()
let client = InferenceClient(
    serverURL: "http://127.0.0.1:\(encryptedPort)", transport: transport, trust: .production,
    developmentStore: DevelopmentTrustStore(path: folder.appendingPathComponent("client-trust.json").path))
_ = try await client.verify()

func encryptedTurn(tokens: Int) async throws -> Int {
    var received = 0
    let request = ChatRequest(messages: [.init(role: .user, content: "Say something.")], maxTokens: tokens)
    for try await event in client.chat(request) {
        if case .token = event { received += 1 }
    }
    return received
}

func plainTurn(tokens: Int) async throws -> Int {
    let request = ChatRequest(messages: [.init(role: .user, content: "Say something.")], maxTokens: tokens)
    var received = 0
    var pending = [UInt8]()
    for try await part in transport.stream(
        Core.HTTPRequest(
            url: "http://127.0.0.1:\(plainPort)/plain", method: .post, body: Array(try JSONEncoder().encode(request))))
    {
        guard case .body(let bytes) = part else { continue }
        pending += bytes
        var offset = 0
        while pending.count - offset >= 2 {
            let length = Int(pending[offset]) << 8 | Int(pending[offset + 1])
            guard pending.count - offset - 2 >= length else { break }
            if length > 0 { received += 1 }
            offset += 2 + length
        }
        pending.removeFirst(offset)
    }
    return received
}

func time(_ body: () async throws -> Int, expect tokens: Int) async throws -> Double {
    let clock = ContinuousClock()
    var got = 0
    let elapsed = try await clock.measure { got = try await body() }
    precondition(got == tokens, "expected \(tokens) tokens, got \(got)")
    return Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
}

// Warm up both paths (connections, caches, JIT-free but allocator warm-up).
for _ in 0..<50 {
    _ = try await encryptedTurn(tokens: 8)
    _ = try await plainTurn(tokens: 8)
}

// Latency: interleaved turns, so drift affects both alike.
let turns = 400
var encryptedMs = [Double]()
var plainMs = [Double]()
for _ in 0..<turns {
    encryptedMs.append(try await time({ try await encryptedTurn(tokens: 8) }, expect: 8))
    plainMs.append(try await time({ try await plainTurn(tokens: 8) }, expect: 8))
}
let added = median(encryptedMs) - median(plainMs)
print("turn latency, 8-token answer, key cached (median of \(turns) interleaved turns):")
print(
    "  encrypted \(fixed(median(encryptedMs), 3)) ms   plain \(fixed(median(plainMs), 3)) ms   added \(fixed(added, 3)) ms "
        + (added <= 1.0 ? "(within the 1 ms target)" : "(OVER the 1 ms target)"))

// Throughput: long answers, interleaved runs.
let long = 8000
var encryptedRate = [Double]()
var plainRate = [Double]()
var pairRatios = [Double]()
let runs = 25
for _ in 0..<runs {
    let e = Double(long) / (try await time({ try await encryptedTurn(tokens: long) }, expect: long)) * 1000
    let p = Double(long) / (try await time({ try await plainTurn(tokens: long) }, expect: long)) * 1000
    encryptedRate.append(e)
    plainRate.append(p)
    // Each pair ran back to back, so its ratio cancels most of the machine's drift.
    pairRatios.append(e / p)
}
let ratio = median(pairRatios)
print("streamed tokens, \(long)-token answers (\(runs) interleaved pairs; medians):")
print(
    "  encrypted \(fixed(median(encryptedRate), 0)) tokens/s   plain \(fixed(median(plainRate), 0)) tokens/s   "
        + "median pair ratio \(fixed(ratio, 3)) "
        + (ratio >= 0.95 ? "(within the 0.95 target)" : "(UNDER the 0.95 target)"))
exit(0)
