import Core
import Testing

@Suite struct LinkedLibrariesTests {
    /// The client links libsodium, libcurl and libfido2 and can call into each.
    @Test func reportsEachLinkedLibrary() {
        let versions = Dictionary(uniqueKeysWithValues: LinkedLibraries.versions().map { ($0.name, $0.version) })
        #expect(versions["libsodium"]?.hasPrefix("1.0.") == true)
        let curl = versions["libcurl"] ?? ""
        #expect(curl.split(separator: ".").count == 3, "libcurl version \(curl)")
        #expect(versions["libfido2"] != nil)
        #expect(versions["libcurl TLS"] != "none", "libcurl without TLS cannot reach a server")
    }
}
