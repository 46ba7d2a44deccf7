import Testing
import Wire

@Suite struct HandshakePatternTests {
    @Test func parsesEveryBasePatternWithModifiers() throws {
        let bases = [
            "N", "K", "X", "NN", "NK", "NX", "XN", "XK", "XX", "KN", "KK", "KX", "IN", "IK", "IX",
            "NK1", "NX1", "X1N", "X1K", "XK1", "X1K1", "X1X", "XX1", "X1X1", "K1N", "K1K", "KK1", "K1K1",
            "K1X", "KX1", "K1X1", "I1N", "I1K", "IK1", "I1K1", "I1X", "IX1", "I1X1",
        ]
        #expect(bases.count == 38)
        for base in bases {
            let p = try HandshakePattern.named(base)
            #expect(p.name == base)
            #expect(p.isOneWay == (base.count == 1))
            #expect(p.pskCount == 0)
            let withPSK = try HandshakePattern.named(base + "psk0")
            #expect(withPSK.messages[0].first == .psk)
            #expect(withPSK.usesPSK)
        }
    }

    @Test func pskModifiersPlaceTheToken() throws {
        let p = try HandshakePattern.named("KKpsk0+psk2")
        #expect(p.messages == [[.psk, .e, .es, .ss], [.e, .ee, .se, .psk]])
        #expect(p.pskCount == 2)
        let xx = try HandshakePattern.named("XXpsk3")
        #expect(xx.messages.last == [.s, .se, .psk])
    }

    @Test func fallbackSwapsRolesCanonically() throws {
        let p = try HandshakePattern.named("XXfallback")
        #expect(p.initiatorPreMessage.isEmpty)
        #expect(p.responderPreMessage == [.e])
        #expect(p.messages == [[.e, .ee, .s, .se], [.s, .es]])
    }

    @Test func deferredPatternsMatchTheSpecification() throws {
        #expect(try HandshakePattern.named("X1K1").messages == [[.e], [.e, .ee, .es], [.s], [.se]])
        #expect(try HandshakePattern.named("NK").responderPreMessage == [.s])
        #expect(try HandshakePattern.named("K").initiatorPreMessage == [.s])
        #expect(try HandshakePattern.named("K").responderPreMessage == [.s])
    }

    @Test func rejectsUnknownPatternsAndModifiers() {
        for bad in ["", "ZZ", "NNpsk9", "NNpsk", "NN+", "NNfoo", "IKfallback", "NNpsk0+", "Nfallback"] {
            #expect(throws: NoiseError.self, "\(bad)") { try HandshakePattern.named(bad) }
        }
    }

    @Test func protocolNamesParseAndRoundTrip() throws {
        let p = try NoiseProtocol(name: "Noise_NKpsk0_25519_ChaChaPoly_BLAKE2b")
        #expect(p.name == "Noise_NKpsk0_25519_ChaChaPoly_BLAKE2b")
        #expect(p.cipher == .chaChaPoly && p.hash == .blake2b && p.pattern.pskCount == 1)
        for bad in [
            "Noise_NK_25519_ChaChaPoly", "Noise_NK_25519_ChaChaPoly_BLAKE2b_x", "Nois_NK_25519_ChaChaPoly_SHA256",
        ] {
            let error = #expect(throws: NoiseError.self) { try NoiseProtocol(name: bad) }
            #expect(error?.code == .unknownProtocol)
        }
        for (bad, primitive) in [
            ("Noise_NK_448_ChaChaPoly_SHA256", "448"), ("Noise_NK_25519_AESGCM256_SHA256", "AESGCM256"),
            ("Noise_NK_25519_ChaChaPoly_SHA3", "SHA3"),
        ] {
            let error = #expect(throws: NoiseError.self) { try NoiseProtocol(name: bad) }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains(primitive) == true)
        }
    }
}
