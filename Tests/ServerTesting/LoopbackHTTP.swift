import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Plain HTTP requests to a server on loopback, for tests of the JSON endpoints.
public enum LoopbackHTTP {
    /// An answer: status, headers (lower-case names) and body.
    public struct Answer: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body decoded as JSON.
        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder().decode(type, from: Data(body))
        }
    }

    /// Sends one request and collects the whole answer.
    public static func send(
        _ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, bearer: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: headers, body: Array(buffer: bytes))
    }

    /// Sends `value` as JSON.
    public static func send(
        _ method: HTTPMethod, _ url: String, json value: some Encodable, bearer: String? = nil
    ) async throws -> Answer {
        try await send(method, url, body: Array(try JSONEncoder().encode(value)), bearer: bearer)
    }
}
