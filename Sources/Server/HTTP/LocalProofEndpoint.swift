import Foundation
import Wire

/// `POST /v1/local/proof` (docs/PROTOCOL.md, "Local mode"): the server that local mode's
/// `sotto` started proves it holds the secret handed to it at spawn, by an HMAC over the
/// client's nonce. Served only with `serve --local-secret-on-stdin`.
public struct LocalProofEndpoint: Sendable {
    /// Largest request accepted: a nonce in JSON.
    static let maxRequestBytes = 1024

    let secret: SecureBytes

    /// An endpoint proving `secret`.
    public init(secret: SecureBytes) {
        self.secret = secret
    }

    /// The proof for the request's nonce.
    func answer(body: [UInt8]) -> Gateway.Reply {
        guard let request = try? JSONDecoder().decode(LocalServerProof.Request.self, from: Data(body)),
            request.nonce.bytes.count == LocalServerProof.nonceByteCount
        else {
            return Gateway.error(
                400, HTTPErrorCode.localBadRequest, "a proof request is {\"nonce\": 32 bytes in base64}")
        }
        let proof = LocalServerProof.proof(secret: secret, nonce: request.nonce.bytes)
        let encoded = (try? JSONEncoder().encode(LocalServerProof.Response(proof: proof))) ?? Data()
        return .complete(status: 200, headers: ["Content-Type": "application/json"], body: Array(encoded))
    }
}
