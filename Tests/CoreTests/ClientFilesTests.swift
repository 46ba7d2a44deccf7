import Core
import Foundation
import Testing

/// The client's small files: configuration, the audit log.
@Suite struct ClientFilesTests {
    func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func configurationFileGivesTheServerOrAClearError() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/config.toml"
        #expect(try ClientConfiguration.load(path: path) == ClientConfiguration())
        try Data("# my settings\nserver = \"https://sotto.example\"\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try ClientConfiguration.load(path: path).server == "https://sotto.example")
        try Data("server = 42\n".utf8).write(to: URL(fileURLWithPath: path))
        let wrongType = #expect(throws: ConfigurationFileError.self) { try ClientConfiguration.load(path: path) }
        #expect(wrongType?.description.contains("must be a string") == true)
        try Data("server = \"unterminated\n".utf8).write(to: URL(fileURLWithPath: path))
        let broken = #expect(throws: ConfigurationFileError.self) { try ClientConfiguration.load(path: path) }
        #expect(broken?.description.contains(path) == true)
    }

    @Test func deviceFoldersFollowDataDirOrXDG() throws {
        let env = ["HOME": "/home/u", "XDG_STATE_HOME": "/st"]
        let xdg = try DeviceFolders(dataDirectory: nil, environment: env)
        #expect(xdg.auditLogPath == "/st/sotto/audit.jsonl")
        #expect(xdg.configurationPath == "/home/u/.config/sotto/config.toml")
        let device = try DeviceFolders(dataDirectory: "/devices/a", environment: env)
        #expect(device.auditLogPath == "/devices/a/state/audit.jsonl")
        #expect(device.developmentTrustPath == "/devices/a/trust/development.json")
    }

    @Test func auditLogAppendsWholeLinesAndSurvivesATornOne() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = FileAuditLog(path: folder + "/state/audit.jsonl")
        #expect(try log.records().isEmpty)
        let record = AuditRecord(
            time: Date(timeIntervalSince1970: 1_800_000_000), server: "http://127.0.0.1:7878", platform: "sev-snp",
            simulated: true, measurement: "ab", manifestVersion: "0.1.0", keyID: "01", verdict: "trusted", reason: nil)
        try log.append(record)
        // A crash mid-write elsewhere leaves a torn line; later records still read.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"time\":\"2027".utf8))
        try handle.close()
        var refused = record
        refused.verdict = "refused"
        refused.reason = "SOTTO-ATTEST-MEASUREMENT"
        try log.append(refused)
        let records = try log.records()
        #expect(records == [record, refused])
        let text = try String(contentsOfFile: log.path, encoding: .utf8)
        #expect(text.hasPrefix("{\"key_id\":\"01\",\"manifest_version\":\"0.1.0\""))
        let attributes = try FileManager.default.attributesOfItem(atPath: log.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}
