import Wire

/// The contents the crash helper writes, computable from the record id alone so the test can
/// check them; sizes vary across several padding buckets.
public enum CrashRecords {
    public static func title(for id: RecordID) -> String { "conversation \(id)" }

    public static func content(for id: RecordID) -> String {
        "message for \(id) " + String(repeating: "x", count: Int(id.bytes[0]) * 40)
    }
}
