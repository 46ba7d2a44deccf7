import Testing
import Wire

/// Loopback is decided by parsing the host, never by how it starts.
@Suite struct LoopbackHostTests {
    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "127.255.255.255", "127.0.0.0", "::1", "[::1]", "0:0:0:0:0:0:0:1", "[0::1]",
        "localhost", "LOCALHOST", "a.localhost", "dev-1.sotto.localhost",
    ])
    func isLoopback(host: String) {
        #expect(LoopbackHost.contains(host))
    }

    @Test(arguments: [
        // DNS names that merely start like a loopback literal belong to whoever owns them.
        "127.evil.example", "127.0.0.1.evil.example", "127.0.0.1.", "localhost.", "localhost.evil.example",
        "evillocalhost", "a..localhost", ".localhost", "-a.localhost", "a_b.localhost",
        // Odd spellings of 127.0.0.1 that resolvers may still honour are refused, not guessed at.
        "127.1", "127.0.1", "0127.0.0.1", "127.00.0.1", "0x7f.0.0.1", "2130706433", "127.0.0.256", "127.0.0.1 ",
        // IPv4-mapped and other IPv6 forms are not the loopback address ::1.
        "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "::2", "::", "[::1%lo]", "::1%25lo", "[::1",
        "10.0.0.1", "192.168.1.1", "0.0.0.0", "example.org", "",
    ])
    func isNotLoopback(host: String) {
        #expect(!LoopbackHost.contains(host))
    }

    @Test func ipv4IsAStrictDottedQuad() {
        #expect(LoopbackHost.ipv4("10.255.255.1") == [10, 255, 255, 1])
        #expect(LoopbackHost.ipv4("0.0.0.0") == [0, 0, 0, 0])
        for text in ["1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.-4", "1.2.3.4a", "1.2.3.1000", "a.b.c.d"] {
            #expect(LoopbackHost.ipv4(text) == nil, "\(text)")
        }
        #expect(LoopbackHost.isIPLiteral("10.0.0.5"))
        #expect(LoopbackHost.isIPLiteral("2001:db8::1"))
        #expect(LoopbackHost.isIPLiteral("[2001:db8::1]"))
        #expect(!LoopbackHost.isIPLiteral("sotto.example"))
    }
}

/// Origins as a browser serialises them: what clientDataJSON names and servers allow.
@Suite struct WebOriginTests {
    @Test func serialisesAsABrowserDoes() throws {
        let cases: [(String, String)] = [
            ("http://127.0.0.1:8443/v1/x", "http://127.0.0.1:8443"),
            ("HTTPS://Sotto.Example:443/", "https://sotto.example"),
            ("http://localhost:80", "http://localhost"),
            ("https://sotto.example:8443", "https://sotto.example:8443"),
            ("http://[::1]:9000", "http://[::1]:9000"),
            ("https://user@sotto.example/path?q", "https://sotto.example"),
        ]
        for (url, origin) in cases {
            #expect(try #require(WebOrigin(url: url)).description == origin, "\(url)")
        }
        #expect(WebOrigin(url: "http://127.evil.example")?.isLoopback == false)
        #expect(WebOrigin(url: "http://[::1]:1")?.isLoopback == true)
    }

    @Test func refusesWhatIsNotAPlainHTTPURL() {
        for url in [
            "ftp://sotto.example", "sotto.example", "https://", "https://ex%61mple.org", "http://[::1", "file:///x",
        ] {
            #expect(WebOrigin(url: url) == nil, "\(url)")
        }
    }
}
