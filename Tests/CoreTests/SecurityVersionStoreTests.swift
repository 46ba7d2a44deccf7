import Core
import Foundation
import Testing
import Wire

/// The device's memory of each server's highest accepted release security version.
@Suite struct SecurityVersionStoreTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-versions-\(UUID().uuidString)")
    var path: String { folder.appendingPathComponent("trust/security-versions.json").path }

    @Test func theHighestVersionSurvivesANewStoreAndNeverGoesDown() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try SecurityVersionStore(path: path).highest(for: "https://a.example") == 0)
        try SecurityVersionStore(path: path).record(3, for: "https://a.example")
        try SecurityVersionStore(path: path).record(2, for: "https://a.example")
        try SecurityVersionStore(path: path).record(7, for: "https://b.example")
        let reopened = SecurityVersionStore(path: path)
        #expect(try reopened.highest(for: "https://a.example") == 3)
        #expect(try reopened.highest(for: "https://b.example") == 7)
        #expect(try reopened.highest(for: "https://c.example") == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aDamagedFileIsRefusedNotReset() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try SecurityVersionStore(path: path).record(3, for: "https://a.example")
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        let refused = #expect(throws: SecurityVersionStoreError.self) {
            try SecurityVersionStore(path: path).highest(for: "https://a.example")
        }
        #expect(refused?.code == .damaged)
        #expect(throws: SecurityVersionStoreError.self) {
            try SecurityVersionStore(path: path).record(1, for: "https://a.example")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{not json")
    }
}
