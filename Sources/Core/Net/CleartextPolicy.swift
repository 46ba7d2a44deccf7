import Wire

/// Plain `http://` only to this machine: everything else the client sends (session tokens,
/// ceremonies, sealed records) would cross a network readable and changeable by anyone on the
/// path. Checked before a request is handed to a transport, so nothing is resolved or connected.
package enum CleartextPolicy {
    /// Accepts an `https://` URL, or an `http://` one whose host is loopback (`LoopbackHost`).
    /// - Throws: `NetError` `.cleartext` for plain http elsewhere; other URLs are left to the
    ///   transport, which refuses what it cannot use.
    package static func check(_ url: String) throws(NetError) {
        guard let scheme = url.split(separator: ":", maxSplits: 1).first?.lowercased(), scheme == "http" else {
            return
        }
        guard let origin = WebOrigin(url: url), origin.isLoopback else {
            let shown = WebOrigin(url: url)?.description ?? "this http:// address"
            throw NetError(
                .cleartext,
                "refusing to connect to \(shown): plain http is allowed only to this machine (127.0.0.1, [::1], localhost), since session tokens would cross the network in clear text; use the server's https:// address"
            )
        }
    }
}
