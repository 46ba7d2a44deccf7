import Wire

/// An error of the local history cache. Messages name paths, ids and counts, never content.
public typealias StoreError = CodedError<StoreErrorCode>

/// Stable identifiers of `StoreError`.
public enum StoreErrorCode: String, StableErrorCode {
    /// The cache file could not be opened, created or migrated.
    case openFailed = "SOTTO-STORE-OPEN"
    /// The cache belongs to another account.
    case accountMismatch = "SOTTO-STORE-ACCOUNT"
    /// A read or write of the cache failed.
    case databaseFailed = "SOTTO-STORE-DATABASE"
    /// A message was written twice, or a record changed kind.
    case conflict = "SOTTO-STORE-CONFLICT"
    /// The record asked for is not in the cache.
    case notFound = "SOTTO-STORE-NOT-FOUND"
    /// A file given to `sotto import` is not a Sotto export this build reads.
    case invalidExport = "SOTTO-STORE-IMPORT"
}
