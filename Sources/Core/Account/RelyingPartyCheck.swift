import Foundation

/// Which RP IDs a server may ask passkeys for. A browser lets a page use only its own domain or
/// a parent of it; a terminal has no page, so the server's address stands in for it. Without
/// this, a hostile server could relay another service's challenge and have the passkey sign it.
enum RelyingPartyCheck {
    /// Accepts `rpID` for `serverURL`: equal to the host or a parent domain of it. A loopback
    /// server (a developer's own machine) may use any RP ID.
    /// - Throws: `AccountError` `.relyingPartyMismatch`.
    static func validate(rpID: String, serverURL: String) throws {
        guard let host = URL(string: serverURL)?.host?.lowercased(), !host.isEmpty else {
            throw AccountError(.serverMissing, "\(serverURL) is not an http(s) URL with a host")
        }
        let rp = rpID.lowercased()
        if isLoopback(host) { return }
        guard !rp.isEmpty, host == rp || host.hasSuffix("." + rp) else {
            throw AccountError(
                .relyingPartyMismatch,
                "the server at \(host) asks for passkeys of \"\(rpID)\", a domain it does not belong to; nothing was signed. Check the server address."
            )
        }
    }

    private static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare.hasSuffix(".localhost") || bare == "::1" || bare.hasPrefix("127.")
    }
}
