import Testing
import Wire

/// The WebAuthn PRF ↔ CTAP2 hmac-secret mapping, checked against the W3C vectors: the salt
/// transform, and the output an authenticator computes from its CredRandom.
@Suite("WebAuthn PRF")
struct WebAuthnPRFTests {
    @Test func saltsAndOutputsMatchTheW3CVectors() throws {
        let prf = try W3CWebAuthnVectors.get().prf
        let credRandom = try Hex.decode(try #require(prf["shared_inputs"]?["authenticator_cred_random"]))
        var checked = 0
        for block in ["single_input_pin_protocol_2", "two_inputs_pin_protocol_2", "single_input_pin_protocol_1"] {
            let fields = try #require(prf[block], "\(block)")
            for (input, salt, output, result) in [
                ("prf_eval_first", "salt1", "output1", "prf_results_first"),
                ("prf_eval_second", "salt2", "output2", "prf_results_second"),
            ] {
                guard let inputHex = fields[input] else { continue }
                let computedSalt = WebAuthnPRF.salt(for: try Hex.decode(inputHex))
                #expect(Hex.encode(computedSalt) == fields[salt], "\(block) \(salt)")
                let computedOutput = HMAC.authenticate(.sha256, key: credRandom, message: computedSalt)
                #expect(Hex.encode(computedOutput) == fields[output], "\(block) \(output)")
                #expect(fields[output] == fields[result], "\(block): the PRF result is the hmac-secret output")
                checked += 1
            }
        }
        #expect(checked == 4)
    }

    @Test func theSaltDependsOnEveryInputByte() {
        #expect(WebAuthnPRF.salt(for: [UInt8]()) != WebAuthnPRF.salt(for: [0]))
        #expect(WebAuthnPRF.salt(for: Array("sotto/root/v1".utf8)).count == 32)
    }
}
