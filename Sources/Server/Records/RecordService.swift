import Foundation
import Logging
import Wire

/// The record endpoints' protocol logic (docs/PROTOCOL.md §6), apart from HTTP: every call
/// needs a session, and touches only that session's account. The server checks each
/// envelope's shape (format version, bucket size), never its content. Logs counts and sizes.
public final class RecordService: Sendable {
    /// Largest push body the HTTP binding reads, in bytes: a client splits bigger pushes.
    public static let defaultMaximumPushBodyBytes = 32 << 20

    let store: any RecordStore
    let sessions: any SessionAuthenticating
    /// The envelope size and quotas a push must respect.
    public let limits: StoreLimits
    /// Largest push body, in bytes.
    public let maximumPushBodyBytes: Int
    let logger: Logger

    /// A service over `store`, admitting callers `sessions` recognises.
    public init(
        store: any RecordStore, sessions: any SessionAuthenticating, limits: StoreLimits = StoreLimits(),
        maximumPushBodyBytes: Int = RecordService.defaultMaximumPushBodyBytes, logger: Logger
    ) {
        self.store = store
        self.sessions = sessions
        self.limits = limits
        self.maximumPushBodyBytes = maximumPushBodyBytes
        self.logger = logger
    }

    /// The caller's session, from its `Authorization` header.
    public func authenticate(authorization: String?) async throws -> AuthenticatedSession {
        try await sessions.authenticate(authorization: authorization)
    }

    /// `POST /v1/records/push` for the caller with `authorization`.
    public func push(_ request: PushRequest, authorization: String?) async throws -> PushResponse {
        try await push(request, session: try await authenticate(authorization: authorization))
    }

    /// `POST /v1/records/push`: stores what follows the server's copy, reports conflicts.
    public func push(_ request: PushRequest, session: AuthenticatedSession) async throws -> PushResponse {
        guard request.version == Wire.protocolVersion else {
            throw ServiceError(sync: .badRequest, "unsupported protocol version \(request.version)")
        }
        guard request.records.count <= PushRequest.maximumRecords else {
            throw ServiceError(
                sync: .badRequest,
                "a push holds at most \(PushRequest.maximumRecords) records, this one \(request.records.count): split it"
            )
        }
        var bytes = 0
        for (index, record) in request.records.enumerated() {
            guard record.version >= 1 else {
                throw ServiceError(
                    sync: .badRequest, "record \(index) (\(record.id)) has version 0; versions start at 1")
            }
            // The stores keep versions as signed 64-bit integers.
            guard record.version <= UInt64(Int64.max) else {
                throw ServiceError(
                    sync: .badRequest,
                    "record \(index) (\(record.id)) has version \(record.version); versions go up to \(Int64.max)")
            }
            guard let envelope = record.envelope else {
                // A tombstone's seal is one smallest-bucket envelope: it costs no quota, so
                // nothing bigger may ride on it.
                guard record.deletion.map({ RecordDeletion.hasShape($0.bytes) }) ?? true else {
                    throw ServiceError(
                        sync: .badRequest, "record \(index) (\(record.id)) has a deletion seal of the wrong shape")
                }
                continue
            }
            guard record.deletion == nil else {
                throw ServiceError(
                    sync: .badRequest, "record \(index) (\(record.id)) has both an envelope and a deletion seal")
            }
            guard envelope.bytes.count <= limits.maximumEnvelopeBytes else {
                throw ServiceError(
                    store: StoreError(
                        .tooLarge,
                        "record \(index) (\(record.id)) is \(envelope.bytes.count) bytes; the limit is \(limits.maximumEnvelopeBytes)"
                    ))
            }
            do {
                _ = try RecordEnvelope(bytes: envelope.bytes)
            } catch {
                throw ServiceError(
                    sync: .badRequest,
                    "record \(index) (\(record.id)) is not a record envelope of a known format (\(envelope.bytes.count) bytes)"
                )
            }
            bytes += envelope.bytes.count
        }
        var records = request.records
        for index in records.indices { records[index].sequence = nil }
        do {
            let results = try await store.push(records, account: session.accountID, limits: limits)
            let usage = try await store.usage(account: session.accountID, limits: limits)
            logger.info(
                "push",
                metadata: [
                    "account": "\(session.accountID.rawValue.prefix(8))", "records": "\(records.count)",
                    "bytes": "\(bytes)", "conflicts": "\(results.filter { $0.status == .conflict }.count)",
                ])
            return PushResponse(results: results, usage: usage)
        } catch let error as StoreError {
            logger.notice(
                "push refused",
                metadata: ["account": "\(session.accountID.rawValue.prefix(8))", "code": "\(error.code.rawValue)"])
            throw ServiceError(store: error)
        } catch {
            throw ServiceError.unavailable()
        }
    }

    /// `GET /v1/records` for the caller with `authorization`.
    public func pull(after cursor: Int64, limit: Int?, authorization: String?) async throws -> PullResponse {
        try await pull(after: cursor, limit: limit, session: try await authenticate(authorization: authorization))
    }

    /// `GET /v1/records?after=CURSOR&limit=N`: the account's changes after the cursor, at most
    /// N records and `limits.maximumPageBytes` of envelopes (always at least one record).
    public func pull(after cursor: Int64, limit: Int?, session: AuthenticatedSession) async throws -> PullResponse {
        guard cursor >= 0 else { throw ServiceError(sync: .badRequest, "after must be a cursor of 0 or more") }
        let limit = limit ?? PullResponse.defaultLimit
        guard (1...PullResponse.maximumLimit).contains(limit) else {
            throw ServiceError(sync: .badRequest, "limit must be 1 to \(PullResponse.maximumLimit)")
        }
        do {
            let page = try await store.pull(
                account: session.accountID, after: cursor, limit: limit, maximumBytes: limits.maximumPageBytes)
            logger.debug(
                "pull",
                metadata: ["account": "\(session.accountID.rawValue.prefix(8))", "records": "\(page.records.count)"])
            return PullResponse(records: page.records, cursor: page.cursor, more: page.more)
        } catch let error as StoreError {
            throw ServiceError(store: error)
        } catch {
            throw ServiceError.unavailable()
        }
    }
}
