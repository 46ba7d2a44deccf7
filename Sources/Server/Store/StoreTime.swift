import Foundation

/// Times are stored as whole milliseconds since 1970 (the precision RECORDS.md uses), an
/// integer both databases compare and index the same way.
enum StoreTime {
    /// `date` rounded down to its millisecond.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The date of a stored millisecond count.
    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
