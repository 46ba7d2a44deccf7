/// How many of a pull's next records fit one page: at most `limit`, and at most `maximumBytes`
/// of envelopes, except that a page always holds its first record (one envelope is never over
/// `StoreLimits.maximumEnvelopeBytes`), so a client paging through large records always
/// advances. Every store pages with it, so they agree on page boundaries.
package enum PullPageBudget {
    /// The number of leading `sizes` (envelope bytes, in sequence order) that make the page.
    package static func count(sizes: [Int64], limit: Int, maximumBytes: Int) -> Int {
        var total: Int64 = 0
        var count = 0
        for size in sizes.prefix(max(limit, 1)) {
            if count > 0 && total + size > Int64(maximumBytes) { break }
            total += size
            count += 1
        }
        return count
    }
}
