import Foundation
import Wire

/// How the sync engine reaches the server's record endpoints (docs/PROTOCOL.md §6); tests
/// swap in an in-memory server.
public protocol SyncTransport: Sendable {
    /// `POST /v1/records/push`.
    func push(_ request: PushRequest) async throws -> PushResponse
    /// `GET /v1/records?after=…&limit=…`.
    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse
}

/// The record endpoints over HTTP, with the session's bearer token.
public struct HTTPSyncTransport: SyncTransport {
    public let serverURL: String
    let http: any HTTPTransport
    let token: @Sendable () async throws -> String

    /// - Parameter token: the session's bearer token, asked for on every call so a refreshed
    ///   session is picked up.
    public init(serverURL: String, http: any HTTPTransport, token: @escaping @Sendable () async throws -> String) {
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        self.http = http
        self.token = token
    }

    public func push(_ request: PushRequest) async throws -> PushResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try await call(.post, "/v1/records/push", body: Array(try encoder.encode(request)))
    }

    public func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        try await call(.get, "/v1/records?after=\(cursor)&limit=\(limit)", body: [])
    }

    private func call<T: Decodable>(_ method: HTTPRequest.Method, _ path: String, body: [UInt8]) async throws -> T {
        let sent = try await token()
        var response = try await send(method, path, body: body, token: sent)
        // Another process on this device may have unlocked meanwhile and replaced the session
        // this one started with: the refused call goes once more with the device's current one.
        if response.status == 401 {
            let current = try await token()
            if current != sent { response = try await send(method, path, body: body, token: current) }
        }
        guard response.status == 200 else { throw SyncError.fromServer(status: response.status, body: response.body) }
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw SyncError(.badResponse, "the server's answer to \(path.split(separator: "?")[0]) is not valid JSON")
        }
    }

    private func send(
        _ method: HTTPRequest.Method, _ path: String, body: [UInt8], token: String
    ) async throws
        -> HTTPResponse
    {
        var headers = ["Authorization": "Bearer \(token)"]
        if !body.isEmpty { headers["Content-Type"] = "application/json" }
        return try await http.send(
            HTTPRequest(
                url: serverURL + path, method: method, headers: headers, body: body, idleTimeoutSeconds: 60,
                deadlineSeconds: RequestDeadline.syncPage.total),
            maxBytes: 64 * 1024 * 1024)
    }
}

/// An error of synchronisation; messages name ids, counts and the server's codes only.
public typealias SyncError = CodedError<SyncErrorCode>

/// Stable identifiers of `SyncError`.
public enum SyncErrorCode: String, StableErrorCode {
    /// The server refused the session: log in again.
    case unauthorized = "SOTTO-SYNC-SESSION"
    /// The account's storage quota is full.
    case quota = "SOTTO-SYNC-QUOTA"
    /// One record is larger than the server accepts.
    case tooLarge = "SOTTO-SYNC-TOO-LARGE"
    /// The server is unreachable or failing; sync retries later.
    case unavailable = "SOTTO-SYNC-UNAVAILABLE"
    /// The server answered something that is not the protocol.
    case badResponse = "SOTTO-SYNC-BAD-RESPONSE"
    /// The server refused a request as malformed (a bug here, or a server of another version).
    case rejected = "SOTTO-SYNC-REJECTED"
    /// Conflicts kept coming back: another device is writing the same records right now.
    case unsettled = "SOTTO-SYNC-UNSETTLED"
    /// The server withheld, rolled back or deleted without the owner's seal (a warning: sync
    /// applied none of it and goes on).
    case integrity = "SOTTO-SYNC-INTEGRITY"
    /// Another process on this device kept syncing the same cache past the wait.
    case busy = "SOTTO-SYNC-BUSY"

    /// Whether trying again later may succeed.
    public var isTransient: Bool { self == .unavailable || self == .unsettled || self == .busy }
}

extension SyncError {
    /// Maps an error answer (`{"code","message"}`) to a sync error.
    static func fromServer(status: Int, body: [UInt8]) -> SyncError {
        let server = try? JSONDecoder().decode(ErrorBody.self, from: Data(body))
        let detail = server.map { "\($0.code): \($0.message)" } ?? "HTTP \(status)"
        switch status {
        case 401, 403: return SyncError(.unauthorized, "the server refused the session (\(detail)); run `sotto login`")
        case 507:
            return SyncError(
                .quota, "the account's storage is full (\(detail)); delete conversations or export and remove them")
        case 413: return SyncError(.tooLarge, "a record is too large for the server (\(detail))")
        case 400, 404, 405, 409, 422: return SyncError(.rejected, "the server refused the request (\(detail))")
        default: return SyncError(.unavailable, "the server could not sync right now (\(detail)); sync retries later")
        }
    }
}
