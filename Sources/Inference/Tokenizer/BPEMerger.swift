/// Applies ranked merge rules to one word, lowest rank first and leftmost first among equals, as llama.cpp and
/// Hugging Face do: a linked list of symbols and a heap of candidate pairs, with stale candidates skipped.
struct BPEMerger: Sendable {
    /// For the pair (left id, right id) packed as `left << 32 | right`: the rule's rank and the merged id,
    /// packed the same way.
    private let rules: [UInt64: UInt64]

    init(rules: [UInt64: UInt64]) {
        self.rules = rules
    }

    static func key(_ left: Int, _ right: Int) -> UInt64 { UInt64(left) << 32 | UInt64(right) }

    /// The rank and merged id for the pair, or nil when no rule joins them.
    func rule(_ left: Int, _ right: Int) -> (rank: Int, merged: Int)? {
        guard let packed = rules[Self.key(left, right)] else { return nil }
        return (Int(packed >> 32), Int(packed & 0xFFFF_FFFF))
    }

    /// The tokens of a word given as the ids of its bytes; a negative id (a byte without a token) joins nothing
    /// and is returned as it is.
    func merge(_ symbols: [Int]) -> [Int] {
        guard symbols.count > 1 else { return symbols }
        var ids = symbols
        var next = Array(1...symbols.count)
        var previous = Array(-1..<(symbols.count - 1))
        next[symbols.count - 1] = -1
        var queue = CandidateHeap()
        for left in 0..<(symbols.count - 1) { push(left, left + 1, ids, into: &queue) }
        while let candidate = queue.pop() {
            let left = candidate.left
            let right = next[left]
            // A candidate is stale when either side has since been merged into something else.
            guard right == candidate.right, ids[left] == candidate.leftID, ids[right] == candidate.rightID else {
                continue
            }
            ids[left] = candidate.merged
            ids[right] = -1
            next[left] = next[right]
            if next[right] >= 0 { previous[next[right]] = left }
            if previous[left] >= 0 { push(previous[left], left, ids, into: &queue) }
            if next[left] >= 0 { push(left, next[left], ids, into: &queue) }
        }
        var out: [Int] = []
        var index = 0
        while index >= 0 {
            out.append(ids[index])
            index = next[index]
        }
        return out
    }

    private func push(_ left: Int, _ right: Int, _ ids: [Int], into queue: inout CandidateHeap) {
        guard ids[left] >= 0, ids[right] >= 0, let found = rule(ids[left], ids[right]) else { return }
        queue.push(
            Candidate(
                rank: found.rank, left: left, right: right, leftID: ids[left], rightID: ids[right],
                merged: found.merged))
    }
}

/// A pair of adjacent symbols that a rule could merge.
struct Candidate {
    var rank: Int
    var left: Int
    var right: Int
    var leftID: Int
    var rightID: Int
    var merged: Int

    func precedes(_ other: Candidate) -> Bool {
        rank != other.rank ? rank < other.rank : left < other.left
    }
}

/// A binary min-heap of candidates, by rank then position.
struct CandidateHeap {
    private var items: [Candidate] = []

    mutating func push(_ item: Candidate) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Candidate? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < items.count, items[left].precedes(items[best]) { best = left }
            if right < items.count, items[right].precedes(items[best]) { best = right }
            guard best != parent else { break }
            items.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
