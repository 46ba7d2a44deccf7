import Core
import Foundation
import Testing
import Wire

/// What a `Device` decides from its flags and files, once: which server, and where the
/// software passkey's passphrase comes from.
@Suite struct DeviceTests {
    static func folder() throws -> String { try PasskeyTestSupport.temporaryFolder() }

    @Test func theServerIsTheOptionElseTheConfigurationElseARefusal() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["HOME": folder, "XDG_CONFIG_HOME": folder + "/config"]
        let folders = try DeviceFolders(dataDirectory: folder + "/device", environment: environment)
        let bare = Device(folders: folders, environment: environment)
        do {
            _ = try bare.serverURL()
            Issue.record("a server with none given or configured")
        } catch let error as DeviceError {
            #expect(error.code == .noServer && error.message.contains(folders.configurationPath))
        }
        try FileManager.default.createDirectory(atPath: folders.config, withIntermediateDirectories: true)
        try Data("server = \"https://configured.example\"\n".utf8).write(
            to: URL(fileURLWithPath: folders.configurationPath))
        #expect(try bare.serverURL() == "https://configured.example")
        let given = Device(folders: folders, server: "https://given.example", environment: environment)
        #expect(try given.serverURL() == "https://given.example")
        #expect(try given.inferenceClient().serverURL == "https://given.example")
    }

    /// `max_tokens` in config.toml is the answer's length limit; a bad value is refused with
    /// the file and the range named.
    @Test func theAnswerLengthLimitComesFromTheConfiguration() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["HOME": folder, "XDG_CONFIG_HOME": folder + "/config"]
        let folders = try DeviceFolders(dataDirectory: folder + "/device", environment: environment)
        let device = Device(folders: folders, environment: environment)
        #expect(try device.answerTokenLimit() == nil)
        try FileManager.default.createDirectory(atPath: folders.config, withIntermediateDirectories: true)
        func write(_ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folders.configurationPath))
        }
        try write("max_tokens = 2048\n")
        #expect(try device.answerTokenLimit() == 2048)
        for bad in ["max_tokens = 0\n", "max_tokens = \"long\"\n", "max_tokens = 40000\n", "max_tokens = 1.5\n"] {
            try write(bad)
            #expect {
                try device.answerTokenLimit()
            } throws: { error in
                "\(error)".hasPrefix("SOTTO-CONFIG-FILE: \(folders.configurationPath)")
                    && "\(error)".contains("1 to 32768")
            }
        }
    }

    @Test func thePassphraseComesFromTheFileElseTheEnvironmentElseIsTyped() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/passphrase"
        try Data("from the file\n".utf8).write(to: URL(fileURLWithPath: file))
        let environment = ["HOME": folder, PassphraseSource.environmentVariable: "from the environment"]
        let folders = try DeviceFolders(dataDirectory: folder, environment: environment)
        func given(_ device: Device) throws -> String? {
            try device.givenPassphrase()?.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        }
        #expect(try given(Device(folders: folders, passphraseFile: file, environment: environment)) == "from the file")
        #expect(try given(Device(folders: folders, environment: environment)) == "from the environment")
        let typed = Device(folders: folders, environment: ["HOME": folder])
        #expect(typed.passphraseSource == nil)
        #expect(try given(typed) == nil)
    }
}
