import Wire

/// What `whoami` shows: the device's own view of its account and, when a session is live and
/// the server answers, the server's.
public struct AccountOverview: Sendable {
    /// The device's state.
    public let state: AccountState
    /// The server's view, when it could be had.
    public let summary: AccountSummary?
    /// Why `summary` is missing (no session, server unreachable, refused), in words to show.
    public let serverProblem: String?
}

extension AccountSession {
    /// The device's account, with the server's view when it can be had. Only a missing or
    /// unreadable state throws; the server's absence is reported in the result.
    /// - Throws: `AccountError` `.notRegistered`, `.serverMismatch`, or the state file's errors.
    public func whoami() async throws -> AccountOverview {
        let state = try requireState()
        guard state.liveSession(now: now, margin: 0) != nil else {
            return AccountOverview(state: state, summary: nil, serverProblem: "no session; log in with `sotto login`")
        }
        do {
            return AccountOverview(state: state, summary: try await summary(), serverProblem: nil)
        } catch let error as NetError {
            return AccountOverview(state: state, summary: nil, serverProblem: error.message)
        } catch let error as AccountAPIError {
            return AccountOverview(state: (try? file.load()) ?? state, summary: nil, serverProblem: error.message)
        } catch let error as AccountError {
            return AccountOverview(state: state, summary: nil, serverProblem: error.message)
        }
    }
}
