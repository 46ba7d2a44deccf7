import Foundation
import Wire

extension DeviceID {
    /// The file in a data folder that names the device (one folder = one device).
    public static let fileName = "device-id"

    /// This data folder's device id, created on first use (owner-only file). It orders this
    /// device's changes against others' (the clock's tie-break); it is not secret.
    /// - Throws: `CacheError` `.openFailed` when the file cannot be read, written or parsed.
    public static func load(dataFolder: String) throws -> DeviceID {
        let path = dataFolder + "/" + fileName
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let id = try? DeviceID(text) else {
                throw CacheError(.openFailed, "\(path) does not hold a device id; remove it to make a new one")
            }
            return id
        }
        let id = DeviceID.random()
        do {
            try FileManager.default.createDirectory(atPath: dataFolder, withIntermediateDirectories: true)
            try PrivateFile.write(Array((id.description + "\n").utf8), to: path, replaceExisting: false)
        } catch PrivateFile.Failure.exists where FileManager.default.fileExists(atPath: path) {
            // Another process of this device named it first (the file appears whole): use its id.
            return try load(dataFolder: dataFolder)
        } catch {
            if let refusal = FileSystemError.describing(error, path: dataFolder) { throw refusal }
            throw CacheError(.openFailed, "cannot write \(path): \(error)")
        }
        return id
    }
}
