import Core
import Foundation
import Testing
import Wire

@Suite struct PassphraseSourceTests {
    @Test func theFileWinsOverTheEnvironment() {
        let environment = [PassphraseSource.environmentVariable: "from-env"]
        #expect(PassphraseSource.choose(passphraseFile: "/p", environment: environment)?.origin == .file(path: "/p"))
        #expect(PassphraseSource.choose(passphraseFile: nil, environment: environment)?.origin == .environment)
        #expect(PassphraseSource.choose(passphraseFile: nil, environment: [:]) == nil)
    }

    @Test func readsTheEnvironmentVariable() throws {
        let source = PassphraseSource(.environment)
        let passphrase = try source.read(environment: ["SOTTO_PASSPHRASE": "hunter2\n"])
        // Only a file's trailing newline is dropped: the variable is taken as it is.
        #expect(passphrase.unsafeCopyToArray() == Array("hunter2\n".utf8))
        let unset = #expect(throws: PasskeyError.self) { try source.read(environment: [:]) }
        #expect(unset?.code == .passphraseMissing)
        let empty = #expect(throws: PasskeyError.self) { try source.read(environment: ["SOTTO_PASSPHRASE": ""]) }
        #expect(empty?.code == .passphraseMissing)
    }

    @Test func readsAFileWithoutItsTrailingNewline() throws {
        let folder = try PasskeyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/passphrase"
        let source = PassphraseSource(.file(path: path))
        for (contents, expected) in [
            ("hunter2\n", "hunter2"), ("hunter2", "hunter2"), ("hunter2\r\n", "hunter2"),
            ("two words\n\n", "two words\n"), (" spaced \n", " spaced "),
        ] {
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
            #expect(try source.read(environment: [:]).unsafeCopyToArray() == Array(expected.utf8))
        }
        try Data("\n".utf8).write(to: URL(fileURLWithPath: path))
        let empty = #expect(throws: PasskeyError.self) { try source.read(environment: [:]) }
        #expect(empty?.code == .passphraseMissing)
        try Data(repeating: 0x61, count: PassphraseSource.maximumByteCount + 1).write(to: URL(fileURLWithPath: path))
        let long = #expect(throws: PasskeyError.self) { try source.read(environment: [:]) }
        #expect(long?.code == .passphraseUnreadable)
        let missing = #expect(throws: PasskeyError.self) {
            try PassphraseSource(.file(path: folder + "/absent")).read(environment: [:])
        }
        #expect(missing?.code == .passphraseUnreadable)
        #expect(missing?.message.contains(folder + "/absent") == true)
    }
}
