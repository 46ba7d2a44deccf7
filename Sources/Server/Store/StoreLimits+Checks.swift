import Wire

extension StoreLimits {
    /// Refuses a push holding an envelope over `maximumEnvelopeBytes`, before anything is written.
    /// - Throws: `StoreError` `.tooLarge` naming the record and the sizes.
    func checkEnvelopes(of records: [SyncRecord]) throws {
        for record in records {
            guard let count = record.envelope?.bytes.count, count > maximumEnvelopeBytes else { continue }
            throw StoreError(
                .tooLarge,
                "record \(record.id) has an envelope of \(count) bytes; the server takes at most"
                    + " \(maximumEnvelopeBytes) bytes per record, so nothing of this push was stored")
        }
    }

    /// Refuses a push that leaves the account over its quota. A push that only shrinks an
    /// account already over it (a quota lowered later) passes, so deleting always works.
    /// - Throws: `StoreError` `.quotaExceeded`; the caller's transaction then rolls back.
    func checkQuota(account: AccountID, before: RecordUsage, after: RecordUsage) throws {
        if after.records > maximumRecords && after.records > before.records {
            throw StoreError(
                .quotaExceeded,
                "account \(account) would hold \(after.records) records, over its quota of \(maximumRecords);"
                    + " nothing of this push was stored: delete conversations, or ask the operator for more")
        }
        if after.bytes > maximumBytes && after.bytes > before.bytes {
            throw StoreError(
                .quotaExceeded,
                "account \(account) would hold \(after.bytes) bytes of records, over its quota of \(maximumBytes);"
                    + " nothing of this push was stored: delete conversations, or ask the operator for more")
        }
    }
}
