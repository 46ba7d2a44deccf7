import Server
import Testing

@Suite struct ListenAddressTests {
    @Test func parsesHostsAndPorts() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:7878") == .default)
        #expect(try ListenAddress(parsing: "localhost:1") == ListenAddress(host: "localhost", port: 1))
        let v6 = try ListenAddress(parsing: "[::1]:65535")
        #expect(v6 == ListenAddress(host: "::1", port: 65535))
        #expect(v6.description == "[::1]:65535")
        #expect(ListenAddress.default.description == "127.0.0.1:7878")
    }

    @Test func rejectsMalformedAddressesWithAReason() {
        for bad in ["", "7878", "host:", ":7878", "host:-1", "host:65536", "host:http", "::1:80", "[::1]80", "[::1"] {
            let error = #expect(throws: ConfigurationError.self, "\(bad)") { try ListenAddress(parsing: bad) }
            #expect(error?.code == .listen)
        }
    }
}
