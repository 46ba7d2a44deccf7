import Foundation
import Synchronization

/// Bounds the challenges a ceremony's `begin` leaves in the store until its `finish` takes
/// them or they expire: per client address and in total, so `begin` spam cannot grow the
/// store without limit. Tracks ids and expiries in memory (a restart forgets them; the
/// challenges still expire in the store, and each server process bounds its own).
final class ChallengeQuota: Sendable {
    private struct State {
        /// Outstanding challenge ids by client address ("" when unknown), with their expiry.
        var byClient: [String: [String: Date]] = [:]
        /// Each outstanding id's client.
        var owner: [String: String] = [:]
    }

    /// Outstanding challenges one address may hold.
    let perClient: Int
    /// Outstanding challenges in all.
    let total: Int
    private let state = Mutex(State())

    init(perClient: Int, total: Int) {
        self.perClient = perClient
        self.total = total
    }

    /// Why a challenge was not granted, and when one will be.
    enum Refusal: Error, Equatable {
        case client(retryAfter: Int)
        case full(retryAfter: Int)
    }

    /// Reserves room for challenge `id` of `client`, expiring at `expiresAt`; expired ones
    /// are dropped first. Requests without an address count only against the total.
    func reserve(id: String, client: String?, expiresAt: Date, now: Date) -> Refusal? {
        state.withLock { state in
            let key = client ?? ""
            Self.dropExpired(&state, client: key, now: now)
            if state.owner.count >= total { Self.dropAllExpired(&state, now: now) }
            let mine = state.byClient[key] ?? [:]
            if client != nil, mine.count >= perClient {
                return .client(retryAfter: Self.seconds(until: mine.values.min(), now: now))
            }
            guard state.owner.count < total else {
                let soonest = state.byClient.values.compactMap { $0.values.min() }.min()
                return .full(retryAfter: Self.seconds(until: soonest, now: now))
            }
            state.byClient[key, default: [:]][id] = expiresAt
            state.owner[id] = key
            return nil
        }
    }

    /// Frees the room of challenge `id` (taken, or never stored).
    func release(id: String) {
        state.withLock { state in
            guard let key = state.owner.removeValue(forKey: id) else { return }
            state.byClient[key]?[id] = nil
            if state.byClient[key]?.isEmpty == true { state.byClient[key] = nil }
        }
    }

    /// Outstanding challenges in all.
    var count: Int { state.withLock { $0.owner.count } }

    private static func dropExpired(_ state: inout State, client: String, now: Date) {
        guard let ids = state.byClient[client] else { return }
        let live = ids.filter { $0.value > now }
        for id in ids.keys where live[id] == nil { state.owner[id] = nil }
        state.byClient[client] = live.isEmpty ? nil : live
    }

    private static func dropAllExpired(_ state: inout State, now: Date) {
        for client in Array(state.byClient.keys) { dropExpired(&state, client: client, now: now) }
    }

    private static func seconds(until date: Date?, now: Date) -> Int {
        max(1, Int((date ?? now).timeIntervalSince(now).rounded(.up)))
    }
}
