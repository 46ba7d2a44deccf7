import Core
import Testing

@Suite struct XDGDirectoriesTests {
    @Test func usesXDGVariablesWhenAbsolute() throws {
        let dirs = try XDGDirectories(environment: [
            "HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg", "XDG_DATA_HOME": "/data",
            "XDG_STATE_HOME": "/state", "XDG_CACHE_HOME": "/cache",
        ])
        #expect(dirs.config == "/cfg/sotto")
        #expect(dirs.data == "/data/sotto")
        #expect(dirs.state == "/state/sotto")
        #expect(dirs.cache == "/cache/sotto")
    }

    @Test func fallsBackToHomeAndIgnoresRelativeValues() throws {
        let dirs = try XDGDirectories(environment: ["HOME": "/home/u", "XDG_DATA_HOME": "relative/path"])
        #expect(dirs.config == "/home/u/.config/sotto")
        #expect(dirs.data == "/home/u/.local/share/sotto")
        #expect(dirs.state == "/home/u/.local/state/sotto")
        #expect(dirs.cache == "/home/u/.cache/sotto")
    }

    @Test func noHomeIsAClearError() {
        let error = #expect(throws: PlatformError.self) { try XDGDirectories(environment: [:]) }
        #expect(error?.code == .noHome)
        #expect(error?.description.contains("--data-dir") == true)
    }
}
