import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// The upstream backend against a fake OpenAI-style server on loopback.
@Suite struct OpenAICompatibleBackendTests {
    let request = ChatRequest(
        messages: [.init(role: .system, content: "be brief"), .init(role: .user, content: "héllo")], maxTokens: 32,
        sampling: .init(temperature: 0.2, seed: 7))

    func run(_ behaviour: FakeOpenAIServer.Behaviour) async throws -> ([BackendEvent], FakeOpenAIServer) {
        let fake = try await FakeOpenAIServer.start(behaviour)
        let backend = OpenAICompatibleBackend(baseURL: fake.url + "/", modelName: "smol")
        var events = [BackendEvent]()
        do {
            for try await event in try await backend.generate(request) { events.append(event) }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
        return (events, fake)
    }

    @Test func streamsTokensAcrossAwkwardChunkBoundaries() async throws {
        let pieces = ["Bon", "jour ", "😀", " 你好", "!"]
        let (events, fake) = try await run(.stream(pieces))
        #expect(events == pieces.map { .token($0) } + [.finished(reason: .stop, promptTokens: 11, completionTokens: 5)])
        // The request carried the conversation and the settings, in OpenAI's shape.
        let body = try #require(fake.receivedBodies.first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["model"] as? String == "smol")
        #expect(json["stream"] as? Bool == true)
        #expect(json["max_tokens"] as? Int == 32)
        #expect(json["seed"] as? Int == 7)
        let messages = try #require(json["messages"] as? [[String: String]])
        #expect(messages == [["role": "system", "content": "be brief"], ["role": "user", "content": "héllo"]])
    }

    @Test func lengthFinishIsReported() async throws {
        let (events, _) = try await run(.stream(["a"], finishReason: "length"))
        #expect(events.last == .finished(reason: .length, promptTokens: 11, completionTokens: 1))
    }

    @Test func upstreamFailuresBecomeBackendErrors() async throws {
        for (behaviour, code) in [
            (FakeOpenAIServer.Behaviour.status(503), BackendError.Code.busy), (.status(429), .busy),
            (.status(500), .upstream), (.garbage, .upstream), (.truncated(["x"]), .upstream),
        ] {
            let error = await #expect(throws: BackendError.self) { try await run(behaviour) }
            #expect(error?.code == code)
        }
        let unreachable = OpenAICompatibleBackend(baseURL: "http://127.0.0.1:9", modelName: "x")
        let error = await #expect(throws: BackendError.self) { try await unreachable.generate(request) }
        #expect(error?.code == .upstream)
    }
}
