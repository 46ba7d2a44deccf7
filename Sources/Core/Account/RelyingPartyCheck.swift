import Foundation
import Wire

/// Which RP IDs a server may ask passkeys for. A browser lets a page use only its own domain or
/// a parent of it; a terminal has no page, so the server's address stands in for it. Without
/// this, a hostile server could relay another service's challenge and have the passkey sign it.
///
/// - A server on loopback (`LoopbackHost`) may only use `localhost`: anyone can name a
///   loopback address, so it proves no domain.
/// - Elsewhere the RP ID is the server's host, or a parent domain of it that the user named
///   for that server in config.toml (`rp_id`): a parent is shared with sibling sites, so only
///   the user can say it is theirs.
/// - Never a public suffix (`com`, `co.uk`, `github.io`, …): a passkey for one would be a
///   passkey for every site under it.
enum RelyingPartyCheck {
    /// Accepts `rpID` for the server at `serverURL`, or throws before any authenticator is asked.
    /// - Parameter configuredParent: the parent domain config.toml names for this server, if any.
    /// - Throws: `AccountError` `.relyingPartyMismatch`, `.serverMissing` for a URL with no usable host.
    static func validate(rpID: String, serverURL: String, configuredParent: String?) throws {
        guard let origin = WebOrigin(url: serverURL) else {
            throw AccountError(.serverMissing, "\(serverURL) is not an http(s) URL with a plain host")
        }
        let host = origin.host
        guard DomainName.isCanonical(rpID) else {
            throw refusal(host, rpID, because: "which is not a lower-case domain name")
        }
        if origin.isLoopback {
            guard rpID == "localhost" else {
                throw refusal(host, rpID, because: "but a server on this machine may only use \"localhost\"")
            }
            return
        }
        if rpID == host {
            if PublicSuffixes.isPublicSuffix(rpID) {
                throw refusal(host, rpID, because: "a public suffix shared by unrelated sites")
            }
            return
        }
        guard !LoopbackHost.isIPLiteral(host), host.hasSuffix("." + rpID) else {
            throw refusal(host, rpID, because: "a domain it does not belong to")
        }
        guard !PublicSuffixes.isPublicSuffix(rpID) else {
            throw refusal(host, rpID, because: "a public suffix shared by unrelated sites")
        }
        guard configuredParent == rpID else {
            throw AccountError(
                .relyingPartyMismatch,
                "the server at \(host) asks for passkeys of its parent domain \"\(rpID)\", which other sites under it share; nothing was signed. If \(rpID) is this server's own domain, add rp_id = \"\(rpID)\" beside server = \"\(serverURL)\" in config.toml"
            )
        }
    }

    private static func refusal(_ host: String, _ rpID: String, because reason: String) -> AccountError {
        AccountError(
            .relyingPartyMismatch,
            "the server at \(host) asks for passkeys of \"\(rpID)\", \(reason); nothing was signed. Check the server address."
        )
    }
}
