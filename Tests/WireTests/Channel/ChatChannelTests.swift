import Foundation
import Testing
import Wire

/// The encrypted chat channel end to end in memory: client seals, server opens and answers.
@Suite struct ChatChannelTests {
    static let now: UInt64 = 1_800_000_000_000  // ms
    let serverKey = try! ChannelKeyPair.generate(notAfter: now / 1000 + 3600)
    var attested: AttestedChannelKey { AttestedChannelKey(serverKey.announcement) }

    func open(
        _ body: [UInt8], guard replayGuard: ReplayGuard = ReplayGuard(), at now: UInt64 = now
    ) throws
        -> ([UInt8], ServerChatSession)
    {
        let key = serverKey
        return try ServerChatSession.open(
            body: body, keys: { $0 == key.announcement.keyID.bytes ? key : nil }, replayGuard: replayGuard,
            nowMilliseconds: now)
    }

    func answer(_ session: ServerChatSession, _ events: [ChatEvent]) throws -> [UInt8] {
        var out = try session.start()
        for e in events { out += try session.seal(e) }
        return out
    }

    let events: [ChatEvent] = [
        .start(model: "SmolLM2-135M-Instruct"), .token("Hel"), .token("lo 👋"), .token(" 你好"),
        .end(reason: .stop, promptTokens: 12, completionTokens: 3),
    ]

    @Test func roundTripDeliversRequestAndStreamedEvents() throws {
        let request = Array(#"{"messages":[{"role":"user","content":"canary-7f3a"}]}"#.utf8)
        let (body, client) = try ClientChatSession.seal(request: request, to: attested, nowMilliseconds: Self.now)
        // The canary is nowhere in what crosses the network.
        #expect(!Data(body).contains(Data("canary-7f3a".utf8)))
        let (opened, server) = try open(body)
        #expect(opened == request)
        let response = try answer(server, events)
        // Any chunking of the response gives the same events.
        for step in [1, 7, 64, response.count] {
            let (body2, client2) = try ClientChatSession.seal(request: request, to: attested, nowMilliseconds: Self.now)
            let (_, server2) = try open(body2)
            let response2 = try answer(server2, events)
            var received = [ChatEvent]()
            var i = 0
            while i < response2.count {
                received += try client2.receive(Array(response2[i..<min(i + step, response2.count)]))
                i += step
            }
            #expect(received == events, "chunk size \(step)")
            try client2.finish()
        }
        #expect(try client.receive(response) == events)
        try client.finish()
    }

    @Test func largeRequestsSpanManyChunks() throws {
        let request = (0..<(3 * ChatChannel.chunkByteCount + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let (body, _) = try ClientChatSession.seal(request: request, to: attested, nowMilliseconds: Self.now)
        #expect(try open(body).0 == request)
        let (empty, _) = try ClientChatSession.seal(request: [UInt8](), to: attested, nowMilliseconds: Self.now)
        #expect(try open(empty).0 == [])
    }

    @Test func everyTamperedRequestByteIsRefused() throws {
        let request = [UInt8](repeating: 0x42, count: 300)
        let (body, _) = try ClientChatSession.seal(request: request, to: attested, nowMilliseconds: Self.now)
        // Every byte of the header, message 1 and the chunk; each flip must be refused.
        for index in body.indices {
            var bad = body
            bad[index] ^= 0x04
            #expect(throws: ChannelError.self, "byte \(index)") { try open(bad) }
        }
    }

    @Test func refusalsCarryTheRightCodes() throws {
        let (body, _) = try ClientChatSession.seal(request: [1, 2, 3], to: attested, nowMilliseconds: Self.now)
        func code(_ bytes: [UInt8], at now: UInt64 = Self.now) -> ChannelErrorCode? {
            do {
                _ = try open(bytes, at: now)
                return nil
            } catch let e as ChannelError {
                return e.code
            } catch {
                return nil
            }
        }
        var badMagic = body
        badMagic[0] = 0
        #expect(code(badMagic) == .malformedRequest)
        var unknownKey = body
        unknownKey[5] ^= 1
        #expect(code(unknownKey) == .unknownKey)
        var badKEM = body
        badKEM[30] ^= 1
        #expect(code(badKEM) == .decryptFailed)
        #expect(code(Array(body.prefix(10))) == .malformedRequest)
        #expect(code(Array(body.dropLast(3))) == .malformedRequest)
        #expect(code(body + [0]) == .malformedRequest || code(body + [0]) == .trailingData)
        #expect(code(body + [0, 0, 0, 0]) == .trailingData)
        #expect(code(body, at: Self.now + 3_600_000) == .keyExpired)
        #expect(code(body, at: Self.now + ChatChannel.maxClockSkewMilliseconds + 1) == .clockSkew)
        #expect(code([UInt8](repeating: 0, count: 17 * 1024 * 1024)) == .requestTooLarge)
        #expect(
            throws: ChannelError(.keyExpired, "the server's attested key has expired; verify the server again")
        ) {
            try ClientChatSession.seal(request: [1], to: attested, nowMilliseconds: Self.now + 3_600_000)
        }
    }

    @Test func replayedRequestsAreRefused() throws {
        let replayGuard = ReplayGuard()
        let (body, _) = try ClientChatSession.seal(request: [1], to: attested, nowMilliseconds: Self.now)
        _ = try open(body, guard: replayGuard)
        let error = #expect(throws: ChannelError.self) { try open(body, guard: replayGuard, at: Self.now + 1000) }
        #expect(error?.code == .replayed)
        // Outside the window the timestamp check refuses it instead, so the guard can forget it.
        let late = #expect(throws: ChannelError.self) {
            try open(body, guard: replayGuard, at: Self.now + ChatChannel.maxClockSkewMilliseconds + 1)
        }
        #expect(late?.code == .clockSkew)
    }

    /// Issue 21, item 10: a copy of a request cut short or lengthened shares its ephemeral key;
    /// refusing the copy must not mark the key seen, or the genuine request is refused after it.
    @Test func damagedCopiesDoNotPoisonTheReplayGuard() throws {
        let replayGuard = ReplayGuard()
        let (body, _) = try ClientChatSession.seal(
            request: Array(repeating: 7, count: 3 * ChatChannel.chunkByteCount), to: attested,
            nowMilliseconds: Self.now)
        let damaged: [[UInt8]] = [
            Array(body.dropLast(17)), Array(body.dropLast(ChatChannel.chunkByteCount)), body + [0, 0, 0, 0],
            body + Array(repeating: 0xAB, count: 100),
        ]
        for copy in damaged {
            let error = #expect(throws: ChannelError.self) { try open(copy, guard: replayGuard) }
            #expect(error?.code != .replayed)
        }
        #expect(replayGuard.count == 0)
        let (request, _) = try open(body, guard: replayGuard, at: Self.now + 1000)
        #expect(request.count == 3 * ChatChannel.chunkByteCount)
        // Once answered, the genuine request and its damaged copies are refused as replays.
        for copy in [body] + damaged {
            let error = #expect(throws: ChannelError.self) { try open(copy, guard: replayGuard, at: Self.now + 2000) }
            #expect(error?.code == .replayed)
        }
    }

    /// Issue 21, item 15: bytes that are no answer at all are reported as such (tampering), not
    /// as an answer cut off by a dropped connection.
    @Test func randomAnswersAreReportedAsTampering() throws {
        for _ in 0..<200 {
            let (_, client) = try ClientChatSession.seal(request: [1], to: attested, nowMilliseconds: Self.now)
            let noise = (0..<5000).map { _ in UInt8.random(in: 0...255) }
            let error = #expect(throws: ChannelError.self) {
                _ = try client.receive(noise)
                try client.finish()
            }
            #expect(error?.code == .decryptFailed)
        }
        // A genuine Noise message 2, then a frame of a size no event has, or one of a possible
        // size holding random bytes: tampering either way, not truncation.
        for length in [5, 4000, CipherState.tagByteCount + ChatEventCodec.paddingQuantum] {
            let (body, client) = try ClientChatSession.seal(request: [1], to: attested, nowMilliseconds: Self.now)
            let (_, server) = try open(body)
            let start = try server.start()
            #expect(start.count == 2 + ChatChannel.responseHandshakeByteCount)
            let frame =
                [UInt8(length >> 8), UInt8(length & 0xff)] + (0..<length).map { _ in UInt8.random(in: 0...255) }
            let error = #expect(throws: ChannelError.self) {
                _ = try client.receive(start + frame)
                try client.finish()
            }
            #expect(error?.code == .decryptFailed, "\(length)")
        }
    }

    @Test func truncatedReorderedReplayedOrForeignResponsesFail() throws {
        func session() throws -> (ClientChatSession, [[UInt8]]) {
            let (body, client) = try ClientChatSession.seal(request: [1], to: attested, nowMilliseconds: Self.now)
            let (_, server) = try open(body)
            var frames = [try server.start()]
            for e in events { frames.append(try server.seal(e)) }
            return (client, frames)
        }
        // Truncated: everything but `end`.
        let (c1, f1) = try session()
        _ = try c1.receive(Array(f1.dropLast().joined()))
        #expect(!c1.isFinished)
        let truncated = #expect(throws: ChannelError.self) { try c1.finish() }
        #expect(truncated?.code == .truncated)
        // Cut in the middle of a frame.
        let (c1b, f1b) = try session()
        _ = try c1b.receive(Array(Array(f1b.joined()).dropLast(5)))
        #expect(throws: ChannelError.self) { try c1b.finish() }
        // Reordered frames.
        let (c2, f2) = try session()
        var reordered = f2
        reordered.swapAt(2, 3)
        let r = #expect(throws: ChannelError.self) { try c2.receive(Array(reordered.joined())) }
        #expect(r?.code == .decryptFailed)
        // A frame replayed within the stream.
        let (c3, f3) = try session()
        let replayed = [f3[0], f3[1], f3[1]]
        #expect(throws: ChannelError.self) { try c3.receive(Array(replayed.joined())) }
        // Another session's response (an old answer replayed to a new request).
        let (c4, _) = try session()
        let (_, f5) = try session()
        let foreign = #expect(throws: ChannelError.self) { try c4.receive(Array(f5.joined())) }
        #expect(foreign?.code == .decryptFailed)
        // Tampered frame.
        let (c6, f6) = try session()
        var tampered = Array(f6.joined())
        tampered[tampered.count - 20] ^= 1
        #expect(throws: ChannelError.self) { try c6.receive(tampered) }
        #expect(throws: ChannelError.self) { try c6.finish() }
        // Data after `end`.
        let (c7, f7) = try session()
        let trailing = #expect(throws: ChannelError.self) { try c7.receive(Array(f7.joined()) + [0, 1, 0]) }
        #expect(trailing?.code == .trailingData)
    }

    @Test func eventCodecRoundTripsAndPads() throws {
        let all: [ChatEvent] =
            events + [
                .error(code: "SOTTO-BACKEND-BUSY", message: "try again"), .token(""),
                .end(reason: .length, promptTokens: Int(UInt32.max), completionTokens: 0),
                .end(reason: .cancelled, promptTokens: 1, completionTokens: 2),
                .progress(read: 32, total: 4000), .progress(read: 0, total: 0),
            ]
        for e in all {
            let bytes = try ChatEventCodec.encode(e)
            #expect(bytes.count % ChatEventCodec.paddingQuantum == 0)
            #expect(try ChatEventCodec.decode(bytes) == e)
        }
        var badPadding = try ChatEventCodec.encode(.token("x"))
        badPadding[badPadding.count - 1] = 1
        #expect(throws: ChannelError.self) { try ChatEventCodec.decode(badPadding) }
        #expect(throws: ChannelError.self) { try ChatEventCodec.decode([9, 0, 0]) }
        #expect(throws: ChannelError.self) { try ChatEventCodec.decode([2, 0, 2, 0xff, 0xfe]) }
        #expect(throws: ChannelError.self) { try ChatEventCodec.decode([2, 0, 9, 1]) }
        #expect(throws: ChannelError.self) { try ChatEventCodec.decode([4, 0, 1, 0]) }
        // A progress event is two u32: read, then total.
        #expect(
            try ChatEventCodec.encode(.progress(read: 258, total: 4000)).prefix(11) == [
                5, 0, 8, 0, 0, 1, 2, 0, 0, 15, 160,
            ])
        #expect(throws: ChannelError.self) { try ChatEventCodec.decode([5, 0, 4, 0, 0, 0, 1]) }
        #expect(throws: ChannelError.self) {
            try ChatEventCodec.encode(.token(String(repeating: "a", count: ChatEventCodec.maxContentByteCount + 1)))
        }
    }
}
