import Foundation
import Wire

/// JSON bodies in and out of the account and record endpoints, and `ServiceError`s as
/// `{"code", "message"}` answers.
enum JSONExchange {
    /// Decodes a request body.
    /// - Throws: `ServiceError` with `code`, naming the path of the first bad member (never its value).
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], invalid: ServiceError.Invalid) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch let DecodingError.keyNotFound(key, context) {
            throw invalid.error("the body lacks \(path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw invalid.error("the body has the wrong type at \(path(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw invalid.error("the body has null at \(path(context.codingPath))")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw invalid.error("the body has an invalid value at \(path(context.codingPath))")
        } catch {
            throw invalid.error("the body is not JSON of the documented shape")
        }
    }

    /// A 200 answer (or `status`) with `value` as JSON.
    static func reply(_ value: some Encodable, status: Int = 200) -> Gateway.Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(value) else {
            return Gateway.error(500, HTTPErrorCode.internalError, "the server could not encode its answer")
        }
        return .complete(
            status: status, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
            body: Array(body))
    }

    /// The answer for a refusal, with `Retry-After` when it says how long to wait.
    static func reply(_ error: ServiceError) -> Gateway.Reply { Gateway.error(error) }

    /// Runs a handler, answering its `ServiceError` (or any other failure, as a 500).
    static func run(_ handler: () async throws -> Gateway.Reply) async -> Gateway.Reply {
        do {
            return try await handler()
        } catch let error as ServiceError {
            return reply(error)
        } catch {
            return Gateway.error(500, HTTPErrorCode.internalError, "the server failed to answer; retry later")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        let text = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return text.isEmpty ? "the top level" : text
    }
}

extension ServiceError {
    /// Which code a malformed body gets.
    enum Invalid {
        case account, sync

        func error(_ message: String) -> ServiceError {
            switch self {
            case .account: ServiceError(.badRequest, message)
            case .sync: ServiceError(sync: .badRequest, message)
            }
        }
    }
}
