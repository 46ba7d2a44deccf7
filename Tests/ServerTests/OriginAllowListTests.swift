import Server
import Testing

/// The origins a server accepts in clientDataJSON: given, or where a loopback server listens.
@Suite struct OriginAllowListTests {
    @Test func aLoopbackServerAcceptsTheOriginsOfItsOwnPortOnly() {
        let origins = OriginAllowList.loopbackListener()
        // Before it listens, no ceremony can name an origin it accepts.
        #expect(origins.current.isEmpty)
        origins.serverListens(host: "127.0.0.2", port: 47391)
        #expect(
            origins.current == [
                "http://localhost:47391", "http://127.0.0.1:47391", "http://[::1]:47391", "http://127.0.0.2:47391",
            ])
        let settings = AccountSettings(rpID: "localhost", origins: origins)
        #expect(settings.relyingParty.allowedOrigins == origins.current)
        #expect(!settings.relyingParty.allowedOrigins.contains("https://localhost"))
    }

    @Test func givenOriginsAreExactlyThose() {
        let origins = OriginAllowList(["https://chat.example.org"])
        origins.serverListens(host: "0.0.0.0", port: 8443)
        #expect(origins.current == ["https://chat.example.org"])
        #expect(AccountSettings(rpID: "example.org").relyingParty.allowedOrigins == ["https://example.org"])
    }
}
