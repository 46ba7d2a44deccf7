import Wire

/// An error of the local history cache. Messages name paths, ids and counts, never content.
public typealias CacheError = CodedError<CacheErrorCode>

/// Stable identifiers of `CacheError`.
public enum CacheErrorCode: String, StableErrorCode {
    /// The cache file could not be opened, created or migrated.
    case openFailed = "SOTTO-CACHE-OPEN"
    /// The cache belongs to another account.
    case accountMismatch = "SOTTO-CACHE-ACCOUNT"
    /// A read or write of the cache failed.
    case databaseFailed = "SOTTO-CACHE-DATABASE"
    /// A message was written twice, or a record changed kind.
    case conflict = "SOTTO-CACHE-CONFLICT"
    /// The record asked for is not in the cache.
    case notFound = "SOTTO-CACHE-NOT-FOUND"
    /// A conversation named on the command line by something that is not (a prefix of) an id.
    case invalidID = "SOTTO-CACHE-ID"
    /// A prefix of an id that several conversations' ids start with.
    case ambiguousID = "SOTTO-CACHE-AMBIGUOUS-ID"
    /// A file given to `sotto import` is not a Sotto export this build reads.
    case invalidExport = "SOTTO-CACHE-IMPORT"
}
