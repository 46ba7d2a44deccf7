import Foundation

/// xoshiro256** (Blackman and Vigna, 2018): a small, fast generator with 256 bits of state whose output is fully
/// determined by its seed, so a seeded generation can be reproduced exactly on any machine.
///
/// The state is filled from the seed with SplitMix64, as the authors recommend, so that similar seeds still give
/// unrelated streams and the all-zero state (the one state the generator cannot leave) cannot occur.
/// Not cryptographically secure: it picks tokens, it does not make keys.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Equatable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// A uniform value in [0, 1) from the top 53 bits, the precision of a `Double`.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.state == rhs.state
    }
}

/// Picks the next token from a model's logits.
///
/// The steps follow llama.cpp's default sampler chain: repetition penalty, then top-k, top-p, min-p, temperature,
/// and a draw from the softmax of what is left. Top-p and min-p therefore judge probabilities at temperature 1, as
/// llama.cpp's do. A temperature of 0 (or below) is greedy: the penalised logits' largest value wins, the first one
/// on ties, and no random number is used.
public struct Sampler: Sendable {
    /// A token id with its (possibly adjusted) logit.
    public struct Candidate: Equatable, Sendable {
        /// The token id.
        public var id: Int
        /// The token's logit.
        public var logit: Float

        /// A candidate for token `id` with `logit`.
        public init(id: Int, logit: Float) {
            self.id = id
            self.logit = logit
        }
    }

    /// Divides the logits by this before the draw; 0 or below is greedy.
    public var temperature: Float
    /// Keeps only the `topK` most likely tokens; 0 or below keeps all.
    public var topK: Int
    /// Keeps the smallest set of most likely tokens whose probabilities reach `topP`; 1 or more keeps all.
    public var topP: Float
    /// Drops tokens less likely than `minP` times the most likely one; 0 or below keeps all.
    public var minP: Float
    /// Penalises tokens seen in the last `repeatLastN` tokens; 1 is no penalty.
    public var repeatPenalty: Float
    /// How many of the most recent prompt and generated tokens the penalty looks at; 0 turns it off.
    public var repeatLastN: Int
    private var random: Xoshiro256StarStar

    /// A sampler with the given settings; without a `seed`, one is drawn from the system's generator.
    public init(
        temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0, repeatPenalty: Float = 1,
        repeatLastN: Int = 64, seed: UInt64? = nil
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        var system = SystemRandomNumberGenerator()
        random = Xoshiro256StarStar(seed: seed ?? system.next())
    }

    /// Whether the sampler always takes the most likely token.
    public var isGreedy: Bool { temperature <= 0 }

    /// The next token for `logits`, given `history` (the prompt and the tokens generated so far, oldest first)
    /// for the repetition penalty.
    public mutating func sample(_ logits: [Float], history: [Int] = []) -> Int {
        precondition(!logits.isEmpty, "sampling needs at least one logit")
        var logits = logits
        if repeatPenalty != 1 && repeatLastN > 0 {
            Self.applyRepetitionPenalty(&logits, recent: history.suffix(repeatLastN), penalty: repeatPenalty)
        }
        if isGreedy { return Self.argmax(logits) }
        var candidates = logits.enumerated().map { Candidate(id: $0.offset, logit: $0.element) }
        Self.applyTopK(&candidates, k: topK)
        Self.applyTopP(&candidates, p: topP)
        Self.applyMinP(&candidates, p: minP)
        Self.applyTemperature(&candidates, temperature: temperature)
        return Self.draw(from: candidates, using: &random)
    }

    /// llama.cpp's repetition penalty: each distinct token in `recent` has a positive logit divided by `penalty`
    /// and a negative one multiplied by it, so a penalty above 1 always makes the token less likely.
    public static func applyRepetitionPenalty(_ logits: inout [Float], recent: some Sequence<Int>, penalty: Float) {
        for token in Set(recent) where logits.indices.contains(token) {
            logits[token] = logits[token] > 0 ? logits[token] / penalty : logits[token] * penalty
        }
    }

    /// Keeps the `k` highest logits, sorted from highest to lowest (ties by id); `k` of 0 or below keeps all, in
    /// their order.
    public static func applyTopK(_ candidates: inout [Candidate], k: Int) {
        guard k > 0 else { return }
        guard k < candidates.count else {
            sortDescending(&candidates)
            return
        }
        // A sorted window of the best k seen so far: most candidates lose to its last one at once, which is far
        // cheaper than sorting a whole vocabulary for every token.
        var top: [Candidate] = []
        top.reserveCapacity(k + 1)
        for candidate in candidates {
            if top.count == k, let last = top.last, !precedes(candidate, last) { continue }
            var low = 0
            var high = top.count
            while low < high {
                let middle = (low + high) / 2
                if precedes(candidate, top[middle]) { high = middle } else { low = middle + 1 }
            }
            top.insert(candidate, at: low)
            if top.count > k { top.removeLast() }
        }
        candidates = top
    }

    /// Keeps the smallest prefix of the most likely candidates whose softmax probabilities sum to at least `p`
    /// (the token that crosses `p` stays); `p` of 1 or more keeps all. Leaves the candidates sorted.
    public static func applyTopP(_ candidates: inout [Candidate], p: Float) {
        guard p < 1, !candidates.isEmpty else { return }
        sortDescending(&candidates)
        let probabilities = softmax(candidates.map(\.logit))
        var sum: Double = 0
        for (index, probability) in probabilities.enumerated() {
            sum += probability
            if sum >= Double(p) {
                candidates.removeSubrange((index + 1)...)
                return
            }
        }
    }

    /// Keeps candidates whose probability is at least `p` times the most likely one's, that is whose logit is at
    /// least the largest plus ln `p`; `p` of 0 or below keeps all. The most likely candidate always stays.
    public static func applyMinP(_ candidates: inout [Candidate], p: Float) {
        guard p > 0, let largest = candidates.map(\.logit).max() else { return }
        let threshold = largest + log(p)
        candidates.removeAll { $0.logit < threshold }
    }

    /// Divides every logit by `temperature`; 0 or below keeps only the largest (the first on ties).
    public static func applyTemperature(_ candidates: inout [Candidate], temperature: Float) {
        guard temperature > 0 else {
            let best = argmax(candidates.map(\.logit))
            if candidates.indices.contains(best) { candidates = [candidates[best]] }
            return
        }
        for index in candidates.indices { candidates[index].logit /= temperature }
    }

    /// The softmax of `logits`, computed in `Double` after subtracting the largest so no term overflows.
    public static func softmax(_ logits: [Float]) -> [Double] {
        guard let largest = logits.max() else { return [] }
        let exponentials = logits.map { exp(Double($0 - largest)) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }

    /// A candidate drawn with probability softmax(logit): one uniform number, walked along the cumulative sum.
    public static func draw(from candidates: [Candidate], using random: inout Xoshiro256StarStar) -> Int {
        precondition(!candidates.isEmpty, "sampling needs at least one candidate")
        let probabilities = softmax(candidates.map(\.logit))
        let target = random.nextUnitInterval()
        var sum: Double = 0
        for (index, probability) in probabilities.enumerated() {
            sum += probability
            if target < sum { return candidates[index].id }
        }
        // Rounding can leave the sum a hair below 1; the last candidate takes that sliver.
        return candidates[candidates.count - 1].id
    }

    /// The index of the largest value, the first one on ties, so greedy decoding is deterministic.
    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for (index, value) in values.enumerated() where value > bestValue {
            best = index
            bestValue = value
        }
        return best
    }

    /// Whether `a` ranks before `b`: higher logit first, ties by id so results do not depend on a sort's stability.
    private static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
        a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
    }

    private static func sortDescending(_ candidates: inout [Candidate]) {
        candidates.sort(by: precedes)
    }
}
