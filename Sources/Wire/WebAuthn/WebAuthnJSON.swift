import Foundation

/// WebAuthn's JSON serialisations (L3 §5.1.8–5.1.10, §5.4, §5.5): ceremony options as a
/// server sends them to `PublicKeyCredential.parseCreationOptionsFromJSON` /
/// `parseRequestOptionsFromJSON`, and credentials as `PublicKeyCredential.toJSON()` returns
/// them, binary fields in base64url.
public enum WebAuthnJSON {
    /// `PublicKeyCredentialCreationOptionsJSON`: the members registration checks use.
    public struct CreationOptions: Codable, Sendable {
        public struct RelyingPartyEntity: Codable, Sendable {
            public var id: String?
            public var name: String
        }
        public struct UserEntity: Codable, Sendable {
            public var id: String
            public var name: String
            public var displayName: String
        }
        public struct Parameters: Codable, Sendable {
            public var type: String
            public var alg: Int
        }
        public struct AuthenticatorSelection: Codable, Sendable {
            public var userVerification: String?
        }
        public var rp: RelyingPartyEntity
        public var user: UserEntity
        public var challenge: String
        public var pubKeyCredParams: [Parameters]
        public var authenticatorSelection: AuthenticatorSelection?
        public var attestation: String?
    }

    /// A credential descriptor (allowCredentials, excludeCredentials).
    public struct CredentialDescriptor: Codable, Sendable {
        public var type: String
        public var id: String
    }

    /// `PublicKeyCredentialRequestOptionsJSON`: the members authentication checks use.
    public struct RequestOptions: Codable, Sendable {
        public var challenge: String
        public var rpId: String?
        public var allowCredentials: [CredentialDescriptor]?
        public var userVerification: String?
    }

    /// `RegistrationResponseJSON`.
    public struct RegistrationResponse: Codable, Sendable {
        public struct Response: Codable, Sendable {
            public var clientDataJSON: String
            public var attestationObject: String
        }
        public var id: String
        public var rawId: String
        public var type: String
        public var response: Response
    }

    /// `AuthenticationResponseJSON`.
    public struct AuthenticationResponse: Codable, Sendable {
        public struct Response: Codable, Sendable {
            public var clientDataJSON: String
            public var authenticatorData: String
            public var signature: String
            public var userHandle: String?
        }
        public var id: String
        public var rawId: String
        public var type: String
        public var response: Response
    }

    /// Either ceremony's options, told apart by their members.
    public enum Options: Sendable {
        case creation(CreationOptions)
        case request(RequestOptions)

        /// Parses options JSON; creation options carry `rp` and `user`.
        /// - Throws: `WebAuthnError` `.jsonMalformed`.
        public init(json: [UInt8]) throws(WebAuthnError) {
            let object = try WebAuthnJSON.object(json, what: "options")
            if object["rp"] != nil || object["user"] != nil || object["pubKeyCredParams"] != nil {
                self = .creation(try WebAuthnJSON.decode(CreationOptions.self, json, what: "creation options"))
            } else {
                self = .request(try WebAuthnJSON.decode(RequestOptions.self, json, what: "request options"))
            }
        }
    }

    /// Either ceremony's response, told apart by its `response` members.
    public enum Response: Sendable {
        case registration(RegistrationResponse)
        case authentication(AuthenticationResponse)

        /// Parses credential JSON; a registration's response holds `attestationObject`.
        /// - Throws: `WebAuthnError` `.jsonMalformed`.
        public init(json: [UInt8]) throws(WebAuthnError) {
            let object = try WebAuthnJSON.object(json, what: "response")
            guard let response = object["response"] as? [String: Any] else {
                throw WebAuthnError(.jsonMalformed, "the response JSON has no object member response")
            }
            if response["attestationObject"] != nil {
                self = .registration(
                    try WebAuthnJSON.decode(RegistrationResponse.self, json, what: "registration response"))
            } else {
                self = .authentication(
                    try WebAuthnJSON.decode(AuthenticationResponse.self, json, what: "authentication response"))
            }
        }
    }

    private static func object(_ json: [UInt8], what: String) throws(WebAuthnError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw WebAuthnError(.jsonMalformed, "the \(what) (\(json.count) bytes) is not a JSON object")
        }
        return object
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ json: [UInt8], what: String) throws(WebAuthnError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(json))
        } catch let DecodingError.keyNotFound(key, context) {
            throw WebAuthnError(.jsonMalformed, "the \(what) JSON lacks \(path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw WebAuthnError(.jsonMalformed, "the \(what) JSON has the wrong type at \(path(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw WebAuthnError(.jsonMalformed, "the \(what) JSON has null at \(path(context.codingPath))")
        } catch {
            throw WebAuthnError(.jsonMalformed, "the \(what) is not valid JSON of that shape")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
